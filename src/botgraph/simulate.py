"""Simulate a Spamouflage-like comment campaign, with ground truth.

The simulator builds a small synthetic world: members of parliament (the
*targets*) post on Facebook and X in Canadian daytime, an organic crowd
comments on their posts with heavy-tailed activity and a diurnal rhythm, and
networks of new or hijacked accounts comment in coordinated *waves* with
templated, varied, sometimes translated messages in a foreign office-hours
profile that accelerates over a long weekend. Organic *traps* (popular short
phrases, viral posts, superfans, a copy-pasted advocacy letter, shared news
links) look coordinated to naive detectors but are not.

Every message is invented and neutral: the MPs are handles (``mp_017``), the
critic the networks cite is a fictional blog, and every link points to a
reserved ``.example`` domain.
"""

from __future__ import annotations

import calendar
import csv
import json
import logging
import os
import random
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray

from botgraph._optional import import_optional
from botgraph._validation import check_choice, check_int, check_number, check_rng
from botgraph.errors import ParameterError

__all__ = [
    "RECORD_FIELDS",
    "TRAP_KINDS",
    "NetworkSpec",
    "SimulatedData",
    "Truth",
    "default_networks",
    "simulate",
]

_LOG = logging.getLogger("botgraph.simulate")

#: Fields of every simulated record, in CSV column order.
RECORD_FIELDS = (
    "record_id",
    "account_id",
    "timestamp",
    "text",
    "target_id",
    "post_id",
    "platform",
    "lang",
    "account_created_at",
    "urls",
    "hashtags",
    "mentions",
)

#: Organic trap kinds, most coordination-like first: an organic account that took part in
#: several traps is labelled with the first of them in this order.
TRAP_KINDS = ("superfan", "advocacy_letter", "news_link", "viral_post", "popular_phrase")

_LIST_FIELDS = ("urls", "hashtags", "mentions")

# --------------------------------------------------------------------------- calendar

_DAY = 86_400
_HOUR = 3_600
#: Eastern Daylight Time in September: where the MPs and the organic crowd live.
_TARGET_UTC_OFFSET = -4
#: The operators work office hours in UTC+8.
_OPERATOR_UTC_OFFSET = 8
#: Operator office blocks (local hours) with a lunch break, a recognisable shift pattern.
_OFFICE_BLOCKS = ((9, 12), (13, 18))
_OFFICE_SECONDS = sum(h1 - h0 for h0, h1 in _OFFICE_BLOCKS) * _HOUR
#: Labour Day weekend 2026, Friday 4 to Monday 7 September: the long weekend.
_LONG_WEEKEND = tuple(date(2026, 9, 4) + timedelta(days=k) for k in range(4))
#: The period ends on the Tuesday after Labour Day, so any ``days >= 5`` holds the long weekend.
_LAST_DAY = date(2026, 9, 8)
#: Wave-rate multiplier on the long weekend: the campaign accelerated while offices were shut.
_LONG_WEEKEND_BOOST = 2.5
#: MPs post between 07:00 and 22:00 local time.
_POST_HOURS = (7, 22)
#: Relative organic activity by local hour (acceptance probability), night trough, evening peak.
# fmt: off
_DIURNAL = np.array([
    0.25, 0.12, 0.06, 0.04, 0.04, 0.08, 0.2, 0.45, 0.65, 0.7, 0.7, 0.72,
    0.8, 0.75, 0.7, 0.7, 0.75, 0.85, 0.95, 1.0, 1.0, 0.95, 0.75, 0.45,
])
# fmt: on
_EPOCH_2008 = calendar.timegm(date(2008, 1, 1).timetuple())
_EPOCH_2011 = calendar.timegm(date(2011, 1, 1).timetuple())
_EPOCH_2022 = calendar.timegm(date(2022, 1, 1).timetuple())

# --------------------------------------------------------------------------- world constants

#: Share of French speakers, MPs and organic accounts alike (Canada is roughly 75/25 EN/FR).
_FR_SHARE = 0.25
#: Share of an organic account's comments written in its other language.
_SWITCH_LANGUAGE = 0.07
#: Lognormal parameters of organic comments per account over 14 days: median 2.7, mean 7,
#: a few accounts in the hundreds.
_ACTIVITY_MU, _ACTIVITY_SIGMA = 1.0, 1.4
#: Organic comment delay after the post: median 40 minutes, most within a few hours.
_DELAY_MEDIAN, _DELAY_SIGMA = 2_400.0, 1.4
#: Standard deviation (hours) of an account's personal shift of the diurnal curve.
_PERSONAL_SHIFT_H = 1.0
#: An organic account follows at most this many MPs.
_MAX_FOLLOWS = 12
#: Same-language MPs are this much more likely to be followed.
_SAME_LANGUAGE_PULL = 3.0
#: Platforms of an MP: Facebook only, X only, both.
_PLATFORM_MIX = (0.35, 0.25, 0.4)
#: A wave targets posts at most this old (seconds): it reacts to recent posts.
_WAVE_LOOKBACK = 2 * _DAY
#: Seconds between consecutive target posts of one wave: the operators move post to post.
_WAVE_POST_GAP = (30.0, 180.0)
#: Hijacked accounts change hands within this share of the period.
_HIJACK_WINDOW = (0.05, 0.35)
#: New accounts are created in a 3-day burst 5 to 20 days before the period.
_CREATION_BURST_DAYS, _CREATION_LEAD_DAYS = 3.0, (5.0, 20.0)

# Trap sizes: (minimum, share of organic accounts).
_SUPERFANS = (3, 0.0025)  # "a handful": 5 of 2000
_LETTER_SENDERS = (5, 0.05)  # about 100 of 2000
_NEWS_SHARERS = (4, 0.05)  # per news link, about 100 of 2000
_VIRAL_COMMENTERS = (8, 0.12)  # per viral post, "hundreds": 240 of 2000
_PHRASE_POSTERS = (5, 0.2)  # short phrases are everywhere
#: Traps need this many organic accounts so that every trap kind keeps labelled members.
_MIN_ORGANIC_WITH_TRAPS = 50
#: Weight of an already trap-labelled account when drawing the next trap's participants.
_RELABEL_WEIGHT = 0.25

# --------------------------------------------------------------------------- vocabulary


class _Vocabulary(NamedTuple):
    subjects: tuple[str, ...]
    predicates: tuple[str, ...]
    complements: tuple[str, ...]
    openers: tuple[str, ...]
    questions: tuple[str, ...]
    personal: tuple[str, ...]
    places: tuple[str, ...]
    observations: tuple[str, ...]
    reactions: tuple[str, ...]
    tails: tuple[str, ...]
    hashtags: tuple[str, ...]
    news_comments: tuple[str, ...]
    phrases: tuple[str, ...]
    phrase_weights: tuple[float, ...]


# fmt: off
_EN = _Vocabulary(
    subjects=(
        "This government", "Your party", "The opposition", "Ottawa", "This budget",
        "The new bill", "Our riding", "The committee", "Your office", "The minister",
        "Parliament", "This plan", "The housing strategy", "The carbon policy",
        "The health transfer", "Rural Canada", "Every senior in my town",
        "Main Street", "My neighbourhood", "My generation", "Transit in this city",
        "The dental program", "The grocery rebate", "Your team", "The Senate",
    ),
    predicates=(
        "needs to do better on", "is finally moving on", "keeps ignoring",
        "should focus on", "has done nothing about", "deserves credit for", "is right about",
        "is wrong about", "must be accountable for", "can't keep delaying",
        "is making progress on", "has to explain", "forgot about", "should listen to people on",
        "is dragging its feet on", "made a mess of", "got it right on", "needs a plan for",
        "must stop wasting money on", "should be proud of",
    ),
    complements=(
        "housing prices", "grocery costs", "the deficit", "wait times at the ER",
        "child care spaces", "the rail line", "interest rates", "rent in this city",
        "public transit", "climate targets", "veterans' benefits", "the pipeline",
        "wildfire season", "the dairy sector", "student loans", "the rural internet gap",
        "the fisheries quota", "pharmacare", "immigration levels", "the bridge repairs",
        "taxes on small business", "the EI backlog", "passport delays",
        "the next election", "defence spending",
    ),
    openers=(
        "", "", "", "", "", "Honestly,", "With respect,", "Come on.", "Well,", "Frankly,",
        "As a constituent,", "I have to say", "Look,", "Sorry but", "Not sure about this.",
    ),
    questions=(
        "What is the plan for {c}?", "Why is nobody talking about {c}?",
        "How long until we see action on {c}?", "Who is paying for {c}?",
        "Any update on {c}?", "Can you explain your vote on {c}?",
        "What about {c} in our region?", "Is anyone in Ottawa looking at {c}?",
    ),
    personal=(
        "I've lived in {p} for {n} years and {o}.",
        "My family has been in {p} for {n} years and {o}.",
        "{n} years in {p} and {o}.",
    ),
    places=(
        "this riding", "the valley", "our town", "the north end", "a small village",
        "the downtown core", "the suburbs", "a farm nearby", "the east side", "this city",
    ),
    observations=(
        "I've never seen it this bad", "things keep getting harder",
        "this is the first good news in a while", "nobody ever asks us",
        "we still wait for that promise", "rent doubled", "the clinic closed",
        "the bus still doesn't come", "my kids moved away for work", "taxes keep climbing",
    ),
    reactions=(
        "Good point.", "Not convinced.", "Finally!", "About time.", "Disappointing.",
        "Interesting.", "Hard to believe.", "Fair enough.", "No way.", "Big if true.",
    ),
    tails=(
        "We are watching.", "Thanks for the update.", "A clear answer please.",
        "My family can't afford more of this.", "Keep it up!", "Do your job.",
        "When will we see results?", "Talk is cheap.", "Good to see.", "This matters to us.",
        "Proud of our community.", "Vote accordingly.", "What about the rest of us?",
        "Numbers don't lie.", "I'll believe it when I see it.", "Happy to see this.",
        "Seriously?", "Long overdue.", "We deserve better.", "Thanks for listening.",
    ),
    hashtags=("cdnpoli", "HoC", "QP", "budget2026", "housing", "climate", "healthcare"),
    news_comments=(
        "Must read.", "Worth reading", "Read this", "Interesting read",
        "Everyone should see this", "Thoughts?", "Important", "Finally someone reports it",
        "See this article", "Good piece",
    ),
    phrases=(
        "Thank you!", "Thank you", "Thanks!", "Bravo", "Bravo!", "Well said", "Well said!",
        "Shame!", "Shame", "Agreed", "Well done!", "So true", "Exactly!", "👏👏👏",
    ),
    phrase_weights=(8, 5, 3, 3, 3, 5, 3, 4, 2, 3, 3, 2, 2, 2),
)

_FR = _Vocabulary(
    subjects=(
        "Ce gouvernement", "Votre parti", "L'opposition", "Ottawa", "Ce budget",
        "Le nouveau projet de loi", "Notre circonscription", "Le comité", "Votre bureau",
        "Le ministre", "Le Parlement", "Ce plan", "La stratégie du logement",
        "La politique climatique", "Le transfert en santé", "Le milieu rural",
        "Ma ville", "Le petit commerce d'ici", "Mon quartier",
        "Ma génération", "Le transport en commun", "Le programme dentaire",
        "Le remboursement d'épicerie", "Votre équipe", "Le Sénat",
    ),
    predicates=(
        "doit faire mieux sur", "avance enfin sur", "continue d'ignorer",
        "devrait se concentrer sur", "n'a rien fait pour", "mérite du crédit pour",
        "a raison sur", "a tort sur", "doit rendre des comptes sur", "ne peut plus retarder",
        "fait des progrès sur", "doit expliquer", "a oublié", "devrait écouter les gens sur",
        "traîne les pieds sur", "a tout gâché avec", "a bien fait avec",
        "a besoin d'un plan pour", "doit arrêter de gaspiller sur", "peut être fier de",
    ),
    complements=(
        "le prix des logements", "le coût de l'épicerie", "le déficit",
        "l'attente aux urgences", "les places en garderie", "la ligne ferroviaire",
        "les taux d'intérêt", "les loyers en ville", "le transport collectif",
        "les cibles climatiques", "les prestations des anciens combattants", "le pipeline",
        "la saison des feux", "le secteur laitier", "les prêts étudiants",
        "l'internet en région", "les quotas de pêche", "l'assurance médicaments",
        "les niveaux d'immigration", "la réparation du pont", "les impôts des PME",
        "les retards de l'AE", "les délais de passeport", "les prochaines élections",
        "les dépenses militaires",
    ),
    openers=(
        "", "", "", "", "", "Honnêtement,", "Avec respect,", "Franchement,", "Bon,",
        "En tant qu'électeur,", "Je dois dire que", "Écoutez,", "Désolé mais",
        "Pas sûr de ça.", "Voyons.",
    ),
    questions=(
        "Quel est le plan pour {c}?", "Et {c}, on en parle quand?", "Qui va payer pour {c}?",
        "Des nouvelles pour {c}?", "Pouvez-vous expliquer votre vote sur {c}?",
        "Et pour {c} dans notre région?", "Quelqu'un à Ottawa regarde {c}?",
        "Combien de temps encore pour {c}?",
    ),
    personal=(
        "J'habite {p} depuis {n} ans et {o}.",
        "Ma famille vit {p} depuis {n} ans et {o}.",
        "{n} ans {p} et {o}.",
    ),
    places=(
        "dans cette circonscription", "dans la vallée", "dans notre village",
        "dans le nord de la ville", "dans un petit village", "au centre-ville",
        "en banlieue", "sur une ferme pas loin", "dans l'est de la ville", "ici",
    ),
    observations=(
        "je n'ai jamais vu ça", "tout devient plus difficile",
        "c'est enfin une bonne nouvelle", "personne ne nous consulte",
        "on attend encore cette promesse", "le loyer a doublé", "la clinique a fermé",
        "l'autobus ne passe toujours pas", "mes enfants sont partis pour travailler",
        "les taxes augmentent sans arrêt",
    ),
    reactions=(
        "Bon point.", "Pas convaincu.", "Enfin!", "Enfin une action.", "Décevant.",
        "Intéressant.", "Difficile à croire.", "C'est juste.", "Voyons donc.", "À suivre.",
    ),
    tails=(
        "On vous surveille.", "Merci pour la mise à jour.", "Une réponse claire svp.",
        "Ma famille n'en peut plus.", "Continuez!", "Faites votre travail.",
        "Quand verra-t-on des résultats?", "Les paroles ne suffisent pas.",
        "Content de voir ça.", "Ça compte pour nous.", "Fier de notre communauté.",
        "On s'en souviendra aux élections.", "Et nous dans tout ça?", "Les chiffres parlent.",
        "Je vais le croire quand je le verrai.", "Bonne nouvelle.", "Sérieusement?",
        "Il était temps.", "On mérite mieux.", "Merci d'écouter.",
    ),
    hashtags=("polcan", "polqc", "budget2026", "logement", "climat", "santé"),
    news_comments=(
        "À lire.", "Intéressant", "Lisez ça", "À voir", "Tout le monde devrait lire ça",
        "Qu'en pensez-vous?", "Important", "Enfin un article là-dessus", "Bon texte",
    ),
    phrases=(
        "Merci!", "Merci", "Merci beaucoup!", "Bravo!", "Bravo", "Bien dit", "Honte!",
        "Tout à fait", "Exactement!", "Bravo 👏",
    ),
    phrase_weights=(8, 5, 4, 5, 3, 4, 3, 2, 2, 2),
)
# fmt: on

_EMOJI = ("😡", "🤥", "👎", "🔥", "❗", "🇨🇦", "😤", "🙄", "💰", "📹")
_ORGANIC_EMOJI = ("🙂", "👍", "🤔", "😂", "🙏", "💯", "😕", "🇨🇦")

#: Fictional news outlets on the reserved ``.example`` top-level domain.
_NEWS_DOMAINS = (
    "www.dailyledger.example",
    "news.prairiepost.example",
    "www.lejournaldufleuve.example",
    "www.coastalherald.example",
)
_NEWS_SECTIONS = ("politics", "national", "politique", "canada")
# fmt: off
_NEWS_SLUGS = (
    "committee-report-released", "budget-vote-delayed", "housing-bill-passes-second-reading",
    "ethics-commissioner-opens-review", "rail-strike-talks-resume", "wildfire-aid-announced",
    "by-election-called", "dental-program-expands", "carbon-rebate-changes", "senate-amends-bill",
)
# fmt: on
#: Tracking suffixes of shared links: normalisers should strip them, a naive key does not.
_TRACKING = ("", "", "?utm_source=facebook", "?utm_source=twitter&utm_medium=social", "#comments")

#: The organic advocacy letter (fictional wetland), copied verbatim by its senders.
_LETTER_URL = "https://petition.example/harbour-marsh"
_LETTER = {
    False: (
        "Dear Member of Parliament, I am writing as a constituent to ask you to protect the "
        "Harbour Marsh wetland from the proposed highway extension. The marsh shelters "
        "migrating birds, filters our drinking water and protects our homes from flooding. "
        "Please vote against the extension and support a full environmental review. "
        f"Sign the letter: {_LETTER_URL} #SaveHarbourMarsh",
        "SaveHarbourMarsh",
    ),
    True: (
        "Madame la députée, Monsieur le député, je vous écris en tant que résident de votre "
        "circonscription pour vous demander de protéger le marais Harbour contre le projet "
        "de prolongement de l'autoroute. Le marais abrite des oiseaux migrateurs, filtre "
        "notre eau potable et protège nos maisons des inondations. Votez contre le "
        "prolongement et appuyez une évaluation environnementale complète. "
        f"Signez la lettre : {_LETTER_URL} #SauvonsLeMarais",
        "SauvonsLeMarais",
    ),
}

# Bot message bank. A message is claim + support (the critic's word) + call to action; each
# piece has a canonical and a paraphrased form in each language, with {slot} synonyms whose
# first option is canonical. The critic is a fictional blog, "Northern Lantern".
# fmt: off
_SYNONYMS: dict[bool, dict[str, tuple[str, ...]]] = {
    False: {
        "scandal": ("this scandal", "this affair", "this cover-up", "this mess"),
        "corrupt": ("corrupt", "crooked", "dishonest", "rotten"),
        "fake_video": ("deepfake video", "doctored video", "fake clip", "AI-made video"),
        "truth": ("the truth", "the facts", "the real story", "the whole story"),
        "hide": ("hiding", "covering up", "burying", "concealing"),
        "resign": ("resign", "step down", "quit", "leave office"),
        "shame": ("shameful", "disgraceful", "outrageous", "unacceptable"),
        "people": ("Canadians", "voters", "citizens", "taxpayers"),
        "explain": ("explain", "answer", "come clean", "respond"),
        "money": ("the money", "the funds", "the public money", "our tax dollars"),
        "critic": ("Northern Lantern", "the Northern Lantern blog", "NorthernLantern",
                   "the blogger behind Northern Lantern"),
    },
    True: {
        "scandal": ("ce scandale", "cette affaire", "cette magouille", "ce dossier louche"),
        "corrupt": ("corrompu", "véreux", "malhonnête", "pourri"),
        "fake_video": ("vidéo truquée", "fausse vidéo", "vidéo falsifiée",
                       "vidéo fabriquée par IA"),
        "truth": ("la vérité", "les faits", "toute l'histoire", "le fond de l'affaire"),
        "hide": ("cachez", "dissimulez", "étouffez", "camouflez"),
        "resign": ("démissionner", "partir", "quitter votre poste", "vous retirer"),
        "shame": ("honteux", "scandaleux", "inacceptable", "révoltant"),
        "people": ("les Canadiens", "les électeurs", "les citoyens", "les contribuables"),
        "explain": ("expliquer", "répondre", "vous expliquer", "rendre des comptes"),
        "money": ("l'argent", "l'argent public", "notre argent", "le budget"),
        "critic": ("Northern Lantern", "le blogue Northern Lantern", "NorthernLantern",
                   "l'auteur de Northern Lantern"),
    },
}

_Piece = dict[bool, tuple[str, str]]

_CLAIMS: tuple[_Piece, ...] = (
    {
        False: ("You are {hide} {scandal} and {people} deserve {truth}.",
                "{people} deserve {truth} about {scandal} you keep {hide}."),
        True: ("Vous {hide} {scandal} et {people} méritent {truth}.",
               "{people} méritent {truth} sur {scandal} que vous {hide}."),
    },
    {
        False: ("Who pocketed {money}? This government is {corrupt} to the core.",
                "{corrupt} to the core: nobody will say who pocketed {money}."),
        True: ("Qui a empoché {money}? Ce gouvernement est {corrupt} jusqu'à la moelle.",
               "Un gouvernement {corrupt} qui refuse de dire qui a empoché {money}."),
    },
    {
        False: ("Everyone knows your office spread that {fake_video}.",
                "That {fake_video} came from your office and everyone knows it."),
        True: ("Tout le monde sait que votre bureau a diffusé cette {fake_video}.",
               "Cette {fake_video} vient de votre bureau et tout le monde le sait."),
    },
    {
        False: ("Stop lying, the {fake_video} will not save you.",
                "Lies and a {fake_video} will not save you."),
        True: ("Arrêtez de mentir, cette {fake_video} ne vous sauvera pas.",
               "Ni vos mensonges ni cette {fake_video} ne vous sauveront."),
    },
    {
        False: ("You should {resign} today, this is {shame}.",
                "Today is the day to {resign}, this is {shame}."),
        True: ("Vous devriez {resign} aujourd'hui, c'est {shame}.",
               "C'est {shame}, il est temps de {resign}."),
    },
    {
        False: ("Why should {people} pay for {scandal}?",
                "{people} should not pay for {scandal}."),
        True: ("Pourquoi {people} devraient-ils payer pour {scandal}?",
               "{people} ne devraient pas payer pour {scandal}."),
    },
    {
        False: ("{people} are waiting, you must {explain} now.",
                "You must {explain} now, {people} are waiting."),
        True: ("{people} attendent, vous devez {explain} maintenant.",
               "Vous devez {explain} maintenant, {people} attendent."),
    },
    {
        False: ("{money} vanished and you stayed silent.",
                "You stayed silent while {money} vanished."),
        True: ("{money} a disparu et vous n'avez rien dit.",
               "Vous n'avez rien dit pendant que {money} disparaissait."),
    },
)

_SUPPORTS: tuple[_Piece, ...] = (
    {
        False: ("{critic} already exposed everything.", "Everything was exposed by {critic}."),
        True: ("{critic} a déjà tout révélé.", "Tout a été révélé par {critic}."),
    },
    {
        False: ("Read what {critic} wrote, it is all there.",
                "It is all in what {critic} wrote."),
        True: ("Lisez ce que {critic} a écrit, tout y est.",
               "Tout est dans ce qu'a écrit {critic}."),
    },
    {
        False: ("{critic} has the documents.", "The documents are with {critic}."),
        True: ("{critic} a les documents.", "Les documents sont entre les mains de {critic}."),
    },
    {
        False: ("Even {critic} says it was faked.", "{critic} proved it was faked."),
        True: ("Même {critic} dit que c'était truqué.", "{critic} a prouvé que c'était truqué."),
    },
    {
        False: ("Only {critic} dares to tell {truth}.",
                "{critic} is the only one telling {truth}."),
        True: ("Seul {critic} ose dire {truth}.", "{critic} est le seul à dire {truth}."),
    },
    {
        False: ("Listen to {critic} before it is too late.",
                "Before it is too late, listen to {critic}."),
        True: ("Écoutez {critic} avant qu'il ne soit trop tard.",
               "Avant qu'il soit trop tard, écoutez {critic}."),
    },
)

_CALLS: tuple[_Piece, ...] = (
    {
        False: ("Share this before it gets deleted!", "Spread the word before they delete it!"),
        True: ("Partagez avant que ce soit supprimé!", "Faites circuler avant la censure!"),
    },
    {
        False: ("Time to {resign}!", "{resign} now!"),
        True: ("Il est temps de {resign}!", "{resign} maintenant!"),
    },
    {
        False: ("We will not forget.", "Nobody will forget this."),
        True: ("Nous n'oublierons pas.", "Personne n'oubliera."),
    },
    {
        False: ("Answer the question!", "Just answer the question."),
        True: ("Répondez à la question!", "Répondez donc à la question."),
    },
    {
        False: ("The whole country is watching.", "All of Canada is watching you."),
        True: ("Tout le pays vous regarde.", "Le Canada entier vous observe."),
    },
    {
        False: ("Wake up, {people}!", "{people}, wake up!"),
        True: ("Réveillez-vous, {people}!", "{people}, réveillez-vous!"),
    },
)
# fmt: on

#: Network hashtags, aligned by index so that a translated message keeps its tag.
_BOT_HASHTAGS = {
    False: ("truth", "corruption", "deepfake", "resign", "cdnpoli", "wakeupcanada"),
    True: ("vérité", "corruption", "hypertrucage", "démission", "polcan", "réveilcanada"),
}
_CLIP_HOST, _SHORT_HOST = "https://clip.example/v/", "https://lnk.example/"
_CODE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
_SLOT = re.compile(r"\{(\w+)\}")
_WORD = re.compile(r"[^\W\d_]{4,}")

# Template extras (fixed per template, so that unvaried copies are identical).
_TEMPLATE_HASHTAG_P = 0.6  # most campaign messages carry a tag
_TEMPLATE_LINK_P = 0.4  # some point to "the video"
_TEMPLATE_MENTION_P = 0.3  # some address the MP by handle


# --------------------------------------------------------------------------- public types


@dataclass(frozen=True, slots=True)
class NetworkSpec:
    """Description of one simulated coordinated network.

    Parameters
    ----------
    name : str
        Unique network name, used as the ground-truth label.
    n_accounts : int
        Number of member accounts (>= 1).
    kind : {"new", "hijacked"}
        ``"new"`` accounts are created in a burst a few days before the campaign;
        ``"hijacked"`` accounts are years old and post a little organic history
        before they change hands early in the period.
    jitter : float
        Typical spread (standard deviation, seconds) of one wave's comments on a post.
    variation : float
        How much templates are varied, in [0, 1]: 0 gives identical copies; higher
        values add paraphrases, synonyms, emoji, case and punctuation changes,
        typos, extra hashtags and link variants.
    camouflage : float
        Share of the members' posts that are organic-looking filler, in [0, 1).
    translate : float
        Share of messages posted in the other language (EN <-> FR) than the
        target MP's, in [0, 1].
    n_templates : int
        Number of distinct base messages the network uses (>= 1).
    waves_per_day : float
        Expected waves per operator working day (> 0), before the long-weekend boost.
    targets_per_wave : int
        Number of different MPs' recent posts one wave comments on (>= 1).
    participation : float
        Probability that a member comments on a given post of a wave, in (0, 1].

    Raises
    ------
    ParameterError
        If a field is out of range.

    See Also
    --------
    default_networks : the three networks :func:`simulate` uses by default.

    Examples
    --------
    >>> from botgraph.simulate import NetworkSpec
    >>> spec = NetworkSpec("demo", 10, "new", jitter=30.0, variation=0.1,
    ...                    camouflage=0.0, translate=0.0, n_templates=2)
    >>> spec.participation
    0.6
    """

    name: str
    n_accounts: int
    kind: Literal["new", "hijacked"]
    jitter: float
    variation: float
    camouflage: float
    translate: float
    n_templates: int
    waves_per_day: float = 1.0
    targets_per_wave: int = 3
    participation: float = 0.6

    def __post_init__(self) -> None:
        where = "NetworkSpec"
        if not isinstance(self.name, str) or not self.name:
            raise ParameterError(
                f"The 'name' parameter of {where} must be a non-empty string. "
                f"Got {self.name!r} instead."
            )
        check_int(self.n_accounts, "n_accounts", where, low=1)
        check_choice(self.kind, "kind", where, ("new", "hijacked"))
        check_number(self.jitter, "jitter", where, low=0)
        check_number(self.variation, "variation", where, low=0, high=1)
        check_number(self.camouflage, "camouflage", where, low=0, high=1, high_inclusive=False)
        check_number(self.translate, "translate", where, low=0, high=1)
        check_int(self.n_templates, "n_templates", where, low=1)
        check_number(self.waves_per_day, "waves_per_day", where, low=0, low_inclusive=False)
        check_int(self.targets_per_wave, "targets_per_wave", where, low=1)
        check_number(self.participation, "participation", where, low=0, high=1, low_inclusive=False)


def default_networks(stealth: float = 0.5) -> tuple[NetworkSpec, ...]:
    """The three default networks, from blatant to stealthy.

    Parameters
    ----------
    stealth : float, default 0.5
        In [0, 1]: 0 makes every network as blatant as its kind allows, 1 as hard
        to catch. Jitter is interpolated geometrically (it spans orders of
        magnitude), variation, camouflage and translation linearly.

    Returns
    -------
    tuple of NetworkSpec
        ``loud`` (30 new accounts, near-identical comments within about a minute,
        little camouflage), ``hijacked`` (20 old accounts with some organic
        history, synonym and emoji variants, a few minutes of spread, some
        camouflage) and ``stealthy`` (15 new accounts, paraphrases and
        translations, spread over tens of minutes to hours, much camouflage).

    Raises
    ------
    ParameterError
        If *stealth* is not a number in [0, 1].

    Notes
    -----
    With :math:`s` the stealth, a range :math:`[a, b]` gives
    :math:`a (b / a)^s` for jitter and :math:`a + (b - a) s` otherwise:

    ========  =============  ==========  ==========  ==========
    network   jitter (s)     variation   camouflage  translate
    ========  =============  ==========  ==========  ==========
    loud      15 – 90        0 – 0.3     0 – 0.2     0 – 0.1
    hijacked  60 – 600       0.25 – 0.7  0.2 – 0.6   0.1 – 0.3
    stealthy  600 – 7200     0.5 – 1     0.5 – 0.9   0.3 – 0.5
    ========  =============  ==========  ==========  ==========

    Examples
    --------
    >>> from botgraph.simulate import default_networks
    >>> [(n.name, n.n_accounts, round(n.jitter)) for n in default_networks(0.0)]
    [('loud', 30, 15), ('hijacked', 20, 60), ('stealthy', 15, 600)]
    """
    s = check_number(stealth, "stealth", "default_networks", low=0, high=1)

    def geo(low: float, high: float) -> float:
        return float(low * (high / low) ** s)

    def lin(low: float, high: float) -> float:
        return float(low + (high - low) * s)

    return (
        # Blatant: many fresh accounts, frequent big waves, copy-paste within a minute.
        NetworkSpec(
            "loud", 30, "new", jitter=geo(15, 90), variation=lin(0.0, 0.3),
            camouflage=lin(0.0, 0.2), translate=lin(0.0, 0.1), n_templates=4,
            waves_per_day=2.0, targets_per_wave=4, participation=0.7,
        ),
        # Bought or stolen old accounts: word swaps and emoji, a few minutes apart.
        NetworkSpec(
            "hijacked", 20, "hijacked", jitter=geo(60, 600), variation=lin(0.25, 0.7),
            camouflage=lin(0.2, 0.6), translate=lin(0.1, 0.3), n_templates=6,
            waves_per_day=1.5, targets_per_wave=3, participation=0.6,
        ),
        # Careful: paraphrases and translations, slow waves, mostly filler.
        NetworkSpec(
            "stealthy", 15, "new", jitter=geo(600, 7200), variation=lin(0.5, 1.0),
            camouflage=lin(0.5, 0.9), translate=lin(0.3, 0.5), n_templates=10,
            waves_per_day=1.0, targets_per_wave=3, participation=0.5,
        ),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Truth:
    """Ground truth of a simulation.

    Parameters
    ----------
    accounts : tuple of str
        Every simulated account, sorted.
    network : Mapping[str, str]
        Coordinated account -> network name (bots only).
    trap : Mapping[str, str]
        Organic account -> the trap kind it took part in (the first in
        :data:`TRAP_KINDS` order when it took part in several).
    networks : tuple of NetworkSpec
        The simulated networks.

    Raises
    ------
    ParameterError
        If the labels are inconsistent: an unknown account, a network name not in
        *networks*, an unknown trap kind, or an account both bot and trap.

    Examples
    --------
    >>> from botgraph.simulate import NetworkSpec, Truth
    >>> spec = NetworkSpec("n1", 1, "new", 10.0, 0.0, 0.0, 0.0, 1)
    >>> truth = Truth(("a", "b", "c"), {"a": "n1"}, {"c": "viral_post"}, (spec,))
    >>> truth.is_coordinated("a"), truth.is_coordinated("c")
    (True, False)
    >>> truth.labels()
    {'a': 'n1', 'b': None, 'c': None}
    >>> Truth(("a", "b"), {"a": "n1"}, {}, ())  # n1 is not among the networks
    Traceback (most recent call last):
    ...
    botgraph.errors.ParameterError: The 'network' parameter of Truth must ...
    """

    accounts: tuple[str, ...]
    network: Mapping[str, str]
    trap: Mapping[str, str]
    networks: tuple[NetworkSpec, ...]

    def __post_init__(self) -> None:
        accounts = tuple(self.accounts)
        network = MappingProxyType(dict(self.network))
        trap = MappingProxyType(dict(self.trap))
        networks = tuple(self.networks)
        known = set(accounts)
        names = {spec.name for spec in networks}
        for account, name in network.items():
            if account not in known or name not in names:
                raise ParameterError(
                    "The 'network' parameter of Truth must map listed accounts to names of "
                    f"the given networks. Got {account!r} -> {name!r} instead."
                )
        for account, kind in trap.items():
            if account not in known or kind not in TRAP_KINDS or account in network:
                raise ParameterError(
                    "The 'trap' parameter of Truth must map listed organic accounts to one "
                    f"of {', '.join(TRAP_KINDS)}. Got {account!r} -> {kind!r} instead."
                )
        object.__setattr__(self, "accounts", accounts)
        object.__setattr__(self, "network", network)
        object.__setattr__(self, "trap", trap)
        object.__setattr__(self, "networks", networks)

    def is_coordinated(self, account: str) -> bool:
        """Whether *account* belongs to a coordinated network (False for unknown ids)."""
        return account in self.network

    def labels(self) -> dict[str, str | None]:
        """Network name of every account, ``None`` for organic accounts."""
        return {account: self.network.get(account) for account in self.accounts}


@dataclass(frozen=True, slots=True)
class SimulatedData:
    """Simulated records with their ground truth.

    Attributes
    ----------
    records : tuple of dict
        One dict per comment with the fields in :data:`RECORD_FIELDS`, sorted by time.
    truth : Truth
        Which accounts are coordinated (and in which network) and which organic
        accounts took part in a trap.
    parameters : Mapping[str, Any]
        The parameters of the simulation, including the period (``start``,
        ``end``) and the long weekend.

    Examples
    --------
    >>> from botgraph.simulate import simulate
    >>> data = simulate(n_organic=60, n_targets=4, days=2, rng=1)
    >>> len(data) == len(data.records) == len(list(data))
    True
    """

    records: tuple[dict[str, Any], ...]
    truth: Truth
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"SimulatedData(records={len(self.records)}, accounts={len(self.truth.accounts)}, "
            f"networks={[n.name for n in self.truth.networks]})"
        )

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records)

    def to_csv(self, path: str | os.PathLike[str]) -> Path:
        """Write the records as UTF-8 CSV; list fields are joined with spaces.

        Parameters
        ----------
        path : str or path-like
            Destination file (overwritten).

        Returns
        -------
        pathlib.Path
            The path written.

        Examples
        --------
        >>> import pathlib, tempfile
        >>> from botgraph.simulate import simulate
        >>> data = simulate(n_organic=60, n_targets=3, days=1, rng=0)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = data.to_csv(pathlib.Path(tmp) / "sim.csv")
        ...     path.read_text(encoding="utf-8").splitlines()[0]
        'record_id,account_id,timestamp,text,target_id,post_id,platform,lang,...'
        """
        target = Path(path)
        with target.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=RECORD_FIELDS)
            writer.writeheader()
            for record in self.records:
                row = dict(record)
                for name in _LIST_FIELDS:
                    row[name] = " ".join(record[name])
                writer.writerow(row)
        return target

    def to_jsonl(self, path: str | os.PathLike[str]) -> Path:
        """Write the records as UTF-8 JSON Lines, one object per record.

        Parameters
        ----------
        path : str or path-like
            Destination file (overwritten).

        Returns
        -------
        pathlib.Path
            The path written.

        Examples
        --------
        >>> import json, pathlib, tempfile
        >>> from botgraph.simulate import simulate
        >>> data = simulate(n_organic=60, n_targets=3, days=1, rng=0)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = data.to_jsonl(pathlib.Path(tmp) / "sim.jsonl")
        ...     first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
        >>> first == data.records[0]
        True
        """
        target = Path(path)
        with target.open("w", encoding="utf-8", newline="\n") as handle:
            for record in self.records:
                handle.write(json.dumps(record, ensure_ascii=False))
                handle.write("\n")
        return target

    def to_pandas(self) -> Any:
        """The records as a pandas DataFrame (needs the optional pandas dependency).

        Returns
        -------
        pandas.DataFrame
            One row per record, columns :data:`RECORD_FIELDS`; timestamps stay ISO
            strings and list fields stay Python lists.

        Raises
        ------
        MissingDependencyError
            If pandas is not installed.

        Examples
        --------
        >>> from botgraph.simulate import simulate
        >>> frame = simulate(n_organic=60, n_targets=3, days=1, rng=0).to_pandas()
        >>> list(frame.columns[:3])
        ['record_id', 'account_id', 'timestamp']
        """
        pd = import_optional("pandas", feature="SimulatedData.to_pandas")
        return pd.DataFrame.from_records(list(self.records), columns=list(RECORD_FIELDS))


# --------------------------------------------------------------------------- internals


class _Text(NamedTuple):
    text: str
    urls: list[str]
    hashtags: list[str]
    mentions: list[str]


@dataclass(frozen=True, slots=True)
class _Template:
    claim: int
    support: int
    call: int
    hashtag: int | None
    link: str | None
    mention: bool


@dataclass(frozen=True, slots=True, eq=False)
class _World:
    """Calendar, MPs and their posts (posts sorted by time)."""

    first_day: date
    days: int
    t0: int
    t1: int
    mp_handle: tuple[str, ...]
    mp_fr: NDArray[np.bool_]
    mp_pop: NDArray[np.float64]
    post_time: NDArray[np.int64]
    post_mp: NDArray[np.int64]
    post_platform: tuple[str, ...]
    post_id: tuple[str, ...]
    post_cw0: NDArray[np.float64]  # [0, cumulative post weight in time order]
    by_mp: NDArray[np.int64]  # post indices sorted by (MP, time)
    by_mp_cw0: NDArray[np.float64]  # [0, cumulative post weight in by_mp order]
    mp_start: NDArray[np.int64]
    mp_count: NDArray[np.int64]
    office_start: NDArray[np.int64]  # operator office blocks inside the period
    office_end: NDArray[np.int64]
    office_boost: NDArray[np.float64]


@dataclass(slots=True)
class _Batch:
    """Comments under construction: parallel arrays plus per-comment text."""

    time: list[NDArray[np.int64]] = field(default_factory=list)
    account: list[NDArray[np.int64]] = field(default_factory=list)
    post: list[NDArray[np.int64]] = field(default_factory=list)
    fr: list[bool] = field(default_factory=list)
    texts: list[_Text] = field(default_factory=list)

    def add(
        self,
        time: NDArray[np.int64],
        account: NDArray[np.int64],
        post: NDArray[np.int64],
        fr: Sequence[bool] | NDArray[np.bool_],
        texts: Sequence[_Text],
    ) -> None:
        self.time.append(np.asarray(time, dtype=np.int64))
        self.account.append(np.asarray(account, dtype=np.int64))
        self.post.append(np.asarray(post, dtype=np.int64))
        self.fr.extend(bool(x) for x in fr)
        self.texts.extend(texts)


def _epoch(day: date, hour: float, utc_offset: int) -> int:
    """UTC epoch seconds of *hour* o'clock local time on *day* at a fixed UTC offset."""
    return calendar.timegm(day.timetuple()) + round((hour - utc_offset) * _HOUR)


def _iso(seconds: NDArray[np.int64]) -> list[str]:
    text = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")
    return [f"{s}+00:00" for s in text.tolist()]


def _share(n: int, size: tuple[int, float]) -> int:
    low, share = size
    return min(n, max(low, round(share * n)))


def _few(days: int) -> int:
    """A few viral posts / news links: about one per five days, at most three."""
    return min(3, max(1, round(days / 5)))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _make_world(gen: np.random.Generator, n_targets: int, days: int) -> _World:
    first_day = _LAST_DAY - timedelta(days=days - 1)
    t0 = _epoch(first_day, 0, _TARGET_UTC_OFFSET)
    t1 = t0 + days * _DAY
    width = max(3, len(str(n_targets - 1)))
    mp_handle = tuple(f"mp_{m:0{width}d}" for m in range(n_targets))
    mp_fr = gen.random(n_targets) < _FR_SHARE
    mp_pop = gen.lognormal(0.0, 1.0, n_targets)  # a few MPs draw most of the attention
    mp_platforms = gen.choice(3, size=n_targets, p=_PLATFORM_MIX)
    propensity = gen.beta(2.0, 2.0, n_targets)  # how prolific each MP is, mostly middling

    day_dates = [first_day + timedelta(days=d) for d in range(days)]
    quiet = np.array([d.weekday() >= 5 or d == _LONG_WEEKEND[-1] for d in day_dates])
    # 1-4 posts on working days, 1-2 on weekends and the holiday.
    extra = gen.binomial(np.where(quiet, 1, 3)[None, :], propensity[:, None])
    counts = (1 + extra).ravel()
    mp_of = np.repeat(np.repeat(np.arange(n_targets), days), counts)
    day_of = np.repeat(np.tile(np.arange(days), n_targets), counts)
    n_posts = int(counts.sum())
    times = (
        t0 + day_of * _DAY + gen.integers(_POST_HOURS[0] * _HOUR, _POST_HOURS[1] * _HOUR, n_posts)
    ).astype(np.int64)
    weight = mp_pop[mp_of] * gen.lognormal(0.0, 0.8, n_posts)  # some posts catch on more
    on_both = gen.random(n_posts) < 0.55  # MPs on both platforms lean to Facebook
    plat_code = mp_platforms[mp_of]
    is_x = (plat_code == 1) | ((plat_code == 2) & ~on_both)

    # Number posts per MP in time order, then sort everything by time.
    by_mp_local = np.lexsort((times, mp_of))
    rank = np.empty(n_posts, dtype=np.int64)
    mp_start_local = np.searchsorted(mp_of[by_mp_local], np.arange(n_targets))
    rank[by_mp_local] = np.arange(n_posts) - mp_start_local[mp_of[by_mp_local]]
    order = np.lexsort((mp_of, times))
    times, mp_of, weight, rank, is_x = (
        times[order],
        mp_of[order],
        weight[order],
        rank[order],
        is_x[order],
    )
    rank_width = max(4, len(str(int(rank.max()))))
    post_id = tuple(
        f"{mp_handle[m]}/p{r:0{rank_width}d}"
        for m, r in zip(mp_of.tolist(), rank.tolist(), strict=True)
    )
    post_platform = tuple("x" if x else "facebook" for x in is_x.tolist())
    by_mp = np.lexsort((times, mp_of)).astype(np.int64)
    mp_start = np.searchsorted(mp_of[by_mp], np.arange(n_targets)).astype(np.int64)
    mp_count = np.bincount(mp_of, minlength=n_targets).astype(np.int64)

    starts, ends, boosts = [], [], []
    for k in range(-1, days + 2):
        op_day = first_day + timedelta(days=k)
        boost = _LONG_WEEKEND_BOOST if op_day in _LONG_WEEKEND else 1.0
        for h0, h1 in _OFFICE_BLOCKS:
            s = max(_epoch(op_day, h0, _OPERATOR_UTC_OFFSET), t0)
            e = min(_epoch(op_day, h1, _OPERATOR_UTC_OFFSET), t1)
            if e > s:
                starts.append(s)
                ends.append(e)
                boosts.append(boost)

    return _World(
        first_day=first_day,
        days=days,
        t0=t0,
        t1=t1,
        mp_handle=mp_handle,
        mp_fr=mp_fr,
        mp_pop=mp_pop,
        post_time=times,
        post_mp=mp_of.astype(np.int64),
        post_platform=post_platform,
        post_id=post_id,
        post_cw0=np.concatenate([[0.0], np.cumsum(weight)]),
        by_mp=by_mp,
        by_mp_cw0=np.concatenate([[0.0], np.cumsum(weight[by_mp])]),
        mp_start=mp_start,
        mp_count=mp_count,
        office_start=np.array(starts, dtype=np.int64),
        office_end=np.array(ends, dtype=np.int64),
        office_boost=np.array(boosts, dtype=np.float64),
    )


def _weighted_in_range(
    gen: np.random.Generator, cw0: NDArray[np.float64], lo: NDArray[np.int64], hi: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Index in ``[lo, hi)`` drawn proportionally to the weights behind cumulative *cw0*."""
    u = cw0[lo] + gen.random(lo.shape[0]) * (cw0[hi] - cw0[lo])
    j = np.searchsorted(cw0, u, side="right") - 1
    return np.clip(j, lo, hi - 1).astype(np.int64)


def _posts_of_mps(
    gen: np.random.Generator, world: _World, mps: NDArray[np.int64]
) -> NDArray[np.int64]:
    """One post of each given MP, drawn by post attractiveness."""
    lo = world.mp_start[mps]
    j = _weighted_in_range(gen, world.by_mp_cw0, lo, lo + world.mp_count[mps])
    return world.by_mp[j]


def _recent_posts(
    gen: np.random.Generator, world: _World, when: NDArray[np.int64], lookback: int
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """A post published in ``[when - lookback, when - 60)`` for each time, and validity."""
    lo = np.searchsorted(world.post_time, when - lookback, side="left").astype(np.int64)
    hi = np.searchsorted(world.post_time, when - 60, side="left").astype(np.int64)
    ok = hi > lo
    post = np.zeros(when.shape[0], dtype=np.int64)
    if ok.any():
        post[ok] = _weighted_in_range(gen, world.post_cw0, lo[ok], hi[ok])
    return post, ok


def _lognormal_delay(
    gen: np.random.Generator, n: int, median: float, sigma: float
) -> NDArray[np.float64]:
    delay: NDArray[np.float64] = np.maximum(15.0, median * np.exp(sigma * gen.standard_normal(n)))
    return delay


def _organic_times(
    gen: np.random.Generator,
    world: _World,
    post_time: NDArray[np.int64],
    shift: NDArray[np.float64],
    *,
    median: float = _DELAY_MEDIAN,
    sigma: float = _DELAY_SIGMA,
    end: NDArray[np.int64] | None = None,
) -> NDArray[np.int64]:
    """Comment times after posts: lognormal delay, thinned by the local diurnal curve."""
    n = post_time.shape[0]
    t: NDArray[np.float64] = post_time + _lognormal_delay(gen, n, median, sigma)
    pending = np.arange(n)
    for _ in range(6):  # a few redraws make night comments rare without forbidding them
        hours = ((t[pending] - world.t0) / _HOUR - shift[pending]) % 24
        keep = gen.random(pending.shape[0]) < _DIURNAL[np.minimum(hours.astype(np.int64), 23)]
        pending = pending[~keep]
        if pending.shape[0] == 0:
            break
        t[pending] = post_time[pending] + _lognormal_delay(gen, pending.shape[0], median, sigma)
    stop = np.full(n, world.t1, dtype=np.int64) if end is None else end
    late = t >= stop
    t[late] = post_time[late] + gen.random(int(late.sum())) * (stop[late] - post_time[late])
    return np.floor(t).astype(np.int64)


def _office_times(gen: np.random.Generator, world: _World, n: int, after: int) -> NDArray[np.int64]:
    """*n* uniform times inside operator office blocks, not before *after*."""
    starts = np.maximum(world.office_start, after)
    lengths = np.maximum(world.office_end - starts, 0)
    total = int(lengths.sum())
    if n == 0 or total == 0:
        return np.zeros(0, dtype=np.int64)
    cum = np.cumsum(lengths)
    u = gen.integers(0, total, n)
    i = np.searchsorted(cum, u, side="right")
    out: NDArray[np.int64] = (starts[i] + u - (cum[i] - lengths[i])).astype(np.int64)
    return out


def _follow(
    gen: np.random.Generator, world: _World, fr: NDArray[np.bool_], n_comments: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Followed MPs per account (most engaged first) and how many, preferential by popularity."""
    n_targets = world.mp_pop.shape[0]
    width = min(n_targets, _MAX_FOLLOWS)
    pull = np.where(fr[:, None] == world.mp_fr[None, :], _SAME_LANGUAGE_PULL, 1.0)
    # Gumbel top-k: sorting log-weights plus Gumbel noise samples without replacement.
    keys = np.log(world.mp_pop[None, :] * pull) + gen.gumbel(size=(fr.shape[0], n_targets))
    top = np.argsort(-keys, axis=1, kind="stable")[:, :width]
    # Busier accounts follow more MPs: about 2 for a one-off commenter, 5 for a heavy one.
    n_follow = np.minimum(width, 1 + gen.poisson(0.8 + 0.6 * np.log1p(n_comments)))
    return top.astype(np.int64), n_follow.astype(np.int64)


def _followed_posts(
    gen: np.random.Generator,
    world: _World,
    follows: NDArray[np.int64],
    n_follow: NDArray[np.int64],
    acc: NDArray[np.int64],
) -> NDArray[np.int64]:
    """A post of one of each account's followed MPs (the first followed MP most often)."""
    k = np.floor(n_follow[acc] * gen.random(acc.shape[0]) ** 1.5).astype(np.int64)
    return _posts_of_mps(gen, world, follows[acc, k])


def _organic_text(py: random.Random, fr: bool, handle: str) -> _Text:
    """A free-form organic comment built from sentence pieces, with light noise."""
    v = _FR if fr else _EN
    r = py.random()
    if r < 0.5:
        text = _cap(
            f"{py.choice(v.subjects)} {py.choice(v.predicates)} {py.choice(v.complements)}"
        ) + py.choice((".", ".", "!", "..."))
        opener = py.choice(v.openers)
        if opener:
            # Mid-sentence after "Honestly," or "I have to say"; "Ottawa" keeps its capital.
            if not opener.endswith(".") and not text.startswith("Ottawa"):
                text = text[:1].lower() + text[1:]
            text = f"{opener} {text}"
    elif r < 0.7:
        text = py.choice(v.questions).format(c=py.choice(v.complements))
        if py.random() < 0.6:  # a bare question has few variants: usually say a bit more
            text = f"{py.choice(v.reactions)} {text}"
        else:
            text += " " + py.choice(v.tails)
    elif r < 0.85:
        text = py.choice(v.personal).format(
            p=py.choice(v.places), n=py.randint(2, 60), o=py.choice(v.observations)
        )
    else:
        text = (
            py.choice(v.reactions)
            + " "
            + _cap(f"{py.choice(v.subjects)} {py.choice(v.predicates)} {py.choice(v.complements)}.")
        )
    if py.random() < 0.45:
        text += " " + py.choice(v.tails)
    if py.random() < 0.08:
        text = text.lower()
    if py.random() < 0.07:
        text += " " + py.choice(_ORGANIC_EMOJI)
    urls: list[str] = []
    hashtags: list[str] = []
    mentions: list[str] = []
    if py.random() < 0.04:
        text = f"@{handle} {text}"
        mentions.append(handle)
    if py.random() < 0.06:
        tag = py.choice(v.hashtags)
        text += f" #{tag}"
        hashtags.append(tag)
    if py.random() < 0.03:
        url = _news_url(py, py.choice(_NEWS_SLUGS), py.randint(10_000, 99_999))
        text += " " + url
        urls.append(url)
    return _Text(text, urls, hashtags, mentions)


def _news_url(py: random.Random, slug: str, number: int) -> str:
    return f"https://{py.choice(_NEWS_DOMAINS)}/{py.choice(_NEWS_SECTIONS)}/{slug}-{number}"


def _phrase(py: random.Random, fr: bool) -> _Text:
    v = _FR if fr else _EN
    return _Text(py.choices(v.phrases, weights=v.phrase_weights)[0], [], [], [])


def _typo(py: random.Random, text: str) -> str:
    words = list(_WORD.finditer(text))
    if not words:
        return text
    m = py.choice(words)
    w = m.group()
    i = py.randrange(1, len(w) - 1)
    op = py.randrange(3)
    if op == 0:
        w = w[:i] + w[i + 1] + w[i] + w[i + 2 :]  # swap neighbours
    elif op == 1:
        w = w[:i] + w[i + 1 :]  # drop a letter
    else:
        w = w[:i] + w[i] + w[i:]  # double a letter
    return text[: m.start()] + w + text[m.end() :]


def _fill(py: random.Random, sentence: str, fr: bool, variation: float) -> str:
    table = _SYNONYMS[fr]

    def pick(m: re.Match[str]) -> str:
        options = table[m.group(1)]
        return py.choice(options) if py.random() < variation else options[0]

    return _cap(_SLOT.sub(pick, sentence))


def _bot_text(py: random.Random, tmpl: _Template, fr: bool, variation: float, handle: str) -> _Text:
    """Instantiate a network template; with ``variation == 0`` every copy is identical."""
    v = variation
    parts = []
    for bank, index in ((_CLAIMS, tmpl.claim), (_SUPPORTS, tmpl.support), (_CALLS, tmpl.call)):
        forms = bank[index][fr]
        parts.append(_fill(py, forms[1] if py.random() < v else forms[0], fr, v))
    if py.random() < v / 2:
        parts[1], parts[2] = parts[2], parts[1]
    if py.random() < v / 3:
        parts.pop()
    body = " ".join(parts)
    if py.random() < v / 2:
        body = py.choice(
            (body.replace("!", "!!!"), body.replace(".", "..."), body.rstrip(".!?"), body + "!!")
        )
    r = py.random()
    if r < v * 0.15:
        body = body.upper()
    elif r < v * 0.3:
        body = body.lower()
    if py.random() < v / 2:
        for _ in range(1 + (py.random() < v)):
            body = _typo(py, body)
    if py.random() < v:
        emoji = "".join(py.choice(_EMOJI) for _ in range(py.randint(1, 3)))
        body = f"{emoji} {body}" if py.random() < 0.3 else f"{body} {emoji}"
    mentions: list[str] = []
    if tmpl.mention:
        body = f"@{handle} {body}"
        mentions.append(handle)
    hashtags: list[str] = []
    tags = _BOT_HASHTAGS[fr]
    if tmpl.hashtag is not None:
        hashtags.append(tags[tmpl.hashtag])
    if py.random() < v / 2:
        extra = py.choice(tags)
        if extra not in hashtags:
            hashtags.append(extra)
    if hashtags:
        body += " " + " ".join(f"#{t}" for t in hashtags)
    urls: list[str] = []
    if tmpl.link is not None:
        url = _CLIP_HOST + tmpl.link
        if py.random() < v:
            url = py.choice(
                (
                    f"{url}?utm_source={py.choice(('fb', 'tw', 'share'))}",
                    f"{url}?t={py.randint(1, 600)}",
                    _SHORT_HOST + tmpl.link[::-1],
                )
            )
        body += " " + url
        urls.append(url)
    return _Text(body, urls, hashtags, mentions)


def _templates(
    gen: np.random.Generator, py: random.Random, specs: Sequence[NetworkSpec]
) -> list[list[_Template]]:
    """Distinct (claim, support, call) combinations per network while the bank lasts."""
    n_combos = len(_CLAIMS) * len(_SUPPORTS) * len(_CALLS)
    total = sum(spec.n_templates for spec in specs)
    rounds = max(1, -(-total // n_combos))
    order = np.concatenate([gen.permutation(n_combos) for _ in range(rounds)])
    out: list[list[_Template]] = []
    pos = 0
    for spec in specs:
        mine = []
        for combo in order[pos : pos + spec.n_templates].tolist():
            claim, rest = divmod(combo, len(_SUPPORTS) * len(_CALLS))
            support, call = divmod(rest, len(_CALLS))
            has_tag = py.random() < _TEMPLATE_HASHTAG_P
            has_link = py.random() < _TEMPLATE_LINK_P
            mine.append(
                _Template(
                    claim=claim,
                    support=support,
                    call=call,
                    hashtag=py.randrange(len(_BOT_HASHTAGS[False])) if has_tag else None,
                    link="".join(py.choice(_CODE_ALPHABET) for _ in range(7)) if has_link else None,
                    mention=py.random() < _TEMPLATE_MENTION_P,
                )
            )
        pos += spec.n_templates
        out.append(mine)
    return out


def _waves(
    gen: np.random.Generator, world: _World, spec: NetworkSpec
) -> list[tuple[int, NDArray[np.int64]]]:
    """Wave start times in operator office hours and the recent MP posts each one targets."""
    lengths = world.office_end - world.office_start
    rates = spec.waves_per_day * world.office_boost * lengths / _OFFICE_SECONDS
    counts = gen.poisson(rates)
    block = np.repeat(np.arange(lengths.shape[0]), counts)
    times = np.sort(world.office_start[block] + gen.random(block.shape[0]) * lengths[block])
    if times.shape[0] == 0:  # every network acts at least once
        first_ok = int(world.post_time[0]) + 120
        times = _office_times(gen, world, 1, first_ok).astype(np.float64)
        if times.shape[0] == 0:
            times = np.array([float(world.t1 - 60)])
    waves = []
    for t in np.floor(times).astype(np.int64).tolist():
        posts = _wave_targets(gen, world, t, spec.targets_per_wave)
        if posts.shape[0]:
            waves.append((t, posts))
    if not waves:  # e.g. a one-day period whose office hours precede every post
        t = world.t1 - 60
        waves.append((t, _wave_targets(gen, world, t, spec.targets_per_wave)))
    return waves


def _wave_targets(gen: np.random.Generator, world: _World, t: int, k: int) -> NDArray[np.int64]:
    """Latest recent post of up to *k* distinct MPs, MPs drawn by popularity."""
    lo = int(np.searchsorted(world.post_time, t - _WAVE_LOOKBACK, side="left"))
    hi = int(np.searchsorted(world.post_time, t - 60, side="left"))
    if hi <= lo:
        return np.zeros(0, dtype=np.int64)
    idx = np.arange(lo, hi)[::-1]
    mps, first = np.unique(world.post_mp[idx], return_index=True)
    latest = idx[first]
    k = min(k, latest.shape[0])
    p = world.mp_pop[mps] / world.mp_pop[mps].sum()
    chosen = gen.choice(latest.shape[0], size=k, replace=False, p=p)
    return np.sort(latest[chosen]).astype(np.int64)


def _simulate_network(
    gen: np.random.Generator,
    py: random.Random,
    world: _World,
    spec: NetworkSpec,
    members: NDArray[np.int64],
    templates: list[_Template],
    batch: _Batch,
) -> None:
    n = int(members.shape[0])
    waves = _waves(gen, world, spec)
    period = world.t1 - world.t0
    if spec.kind == "hijacked":
        low, high = _HIJACK_WINDOW
        active = (world.t0 + gen.uniform(low, high, size=n) * period).astype(np.int64)
        active = np.minimum(active, waves[-1][0] - 1)
    else:
        active = np.full(n, world.t0, dtype=np.int64)

    # Coordinated comments, wave by wave.
    times: list[NDArray[np.float64]] = []
    who: list[NDArray[np.int64]] = []
    posts: list[NDArray[np.int64]] = []
    tmpl_of: list[NDArray[np.int64]] = []
    wave_tmpl = gen.integers(0, len(templates), len(waves))
    for w, (t, targets) in enumerate(waves):
        gaps = gen.uniform(*_WAVE_POST_GAP, size=int(targets.shape[0]))
        centers = t + np.cumsum(gaps) - gaps[0]
        for post, center in zip(targets.tolist(), centers.tolist(), strict=True):
            part = np.flatnonzero((active <= t) & (gen.random(n) < spec.participation))
            times.append(center + spec.jitter * gen.standard_normal(part.shape[0]))
            who.append(part)
            posts.append(np.full(part.shape[0], post, dtype=np.int64))
            tmpl_of.append(np.full(part.shape[0], wave_tmpl[w], dtype=np.int64))
    done = np.zeros(n, dtype=bool)
    for part in who:
        done[part] = True
    for m in np.flatnonzero(~done).tolist():  # every member takes part at least once
        eligible = [w for w, (t, _) in enumerate(waves) if t >= active[m]]
        w = eligible[int(gen.integers(len(eligible)))]
        t, targets = waves[w]
        times.append(np.array([t + spec.jitter * gen.standard_normal()]))
        who.append(np.array([m], dtype=np.int64))
        posts.append(targets[:1].copy())
        tmpl_of.append(np.array([wave_tmpl[w]], dtype=np.int64))
    t_arr = np.concatenate(times)
    m_arr = np.concatenate(who)
    p_arr = np.concatenate(posts)
    k_arr = np.concatenate(tmpl_of)
    earliest = world.post_time[p_arr] + 30.0
    t_arr = np.where(t_arr < earliest, 2 * earliest - t_arr, t_arr)  # reflect off the post time
    t_arr = np.clip(t_arr, earliest, world.t1 - 1)
    fr = world.mp_fr[world.post_mp[p_arr]] ^ (gen.random(t_arr.shape[0]) < spec.translate)
    texts = [
        _bot_text(py, templates[k], f, spec.variation, world.mp_handle[world.post_mp[p]])
        for k, f, p in zip(k_arr.tolist(), fr.tolist(), p_arr.tolist(), strict=True)
    ]
    batch.add(np.floor(t_arr).astype(np.int64), members[m_arr], p_arr, fr, texts)

    # Camouflage: organic-looking filler on random recent posts, in office hours.
    coordinated = np.bincount(m_arr, minlength=n)
    ratio = spec.camouflage / (1.0 - spec.camouflage)
    n_fill = gen.poisson(coordinated * ratio)
    for m in range(n):
        when = _office_times(gen, world, int(n_fill[m]), int(active[m]))
        post, ok = _recent_posts(gen, world, when, _WAVE_LOOKBACK)
        when, post = when[ok], post[ok]
        fr_fill = world.mp_fr[world.post_mp[post]]
        texts = [
            _organic_text(py, f, world.mp_handle[world.post_mp[p]])
            for f, p in zip(fr_fill.tolist(), post.tolist(), strict=True)
        ]
        batch.add(when, np.full(when.shape[0], members[m]), post, fr_fill, texts)

    # Hijacked accounts: a little organic history before they changed hands.
    if spec.kind == "hijacked":
        own_fr = gen.random(size=n) < _FR_SHARE
        n_prior = 1 + gen.poisson(3.0, n)  # "a little" history: about four comments
        acc = np.repeat(np.arange(n), n_prior)
        hi = np.searchsorted(world.post_time, active[acc] - _HOUR, side="left").astype(np.int64)
        ok = hi > 0
        acc, hi = acc[ok], hi[ok]
        post = _weighted_in_range(gen, world.post_cw0, np.zeros_like(hi), hi)
        when = _organic_times(
            gen,
            world,
            world.post_time[post],
            gen.normal(0, _PERSONAL_SHIFT_H, acc.shape[0]),
            end=active[acc],
        )
        fr_prior = own_fr[acc]
        texts = [
            _organic_text(py, f, world.mp_handle[world.post_mp[p]])
            for f, p in zip(fr_prior.tolist(), post.tolist(), strict=True)
        ]
        batch.add(when, members[acc], post, fr_prior, texts)


def _draw(gen: np.random.Generator, size: int, labelled: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Trap participants, preferring accounts no earlier trap has labelled yet."""
    n = labelled.shape[0]
    keys = np.log(np.where(labelled, _RELABEL_WEIGHT, 1.0)) + gen.gumbel(size=n)
    chosen = np.argsort(-keys, kind="stable")[: min(size, n)].astype(np.int64)
    if chosen.shape[0] and labelled[chosen].all() and not labelled.all():
        free = np.flatnonzero(~labelled)
        chosen[0] = free[int(gen.integers(free.shape[0]))]
    return chosen


def _traps(
    gen: np.random.Generator,
    py: random.Random,
    world: _World,
    fr: NDArray[np.bool_],
    shift: NDArray[np.float64],
    follows: NDArray[np.int64],
    n_follow: NDArray[np.int64],
    batch: _Batch,
) -> dict[int, str]:
    """Organic behaviours that look coordinated; returns account index -> trap kind."""
    n = int(fr.shape[0])
    labelled = np.zeros(n, dtype=bool)
    label: dict[int, str] = {}

    def mark(kind: str, accounts: NDArray[np.int64]) -> None:
        for a in accounts.tolist():
            label.setdefault(a, kind)
        labelled[accounts] = True

    def organic(accounts: NDArray[np.int64], post: NDArray[np.int64]) -> list[_Text]:
        return [
            _organic_text(py, bool(fr[a]), world.mp_handle[world.post_mp[p]])
            for a, p in zip(accounts.tolist(), post.tolist(), strict=True)
        ]

    # Superfans: near every post of the most popular MP, within a minute or two.
    fans = _draw(gen, _share(n, _SUPERFANS), labelled)
    star = int(np.argmax(world.mp_pop))
    star_posts = world.by_mp[world.mp_start[star] : world.mp_start[star] + world.mp_count[star]]
    acc = np.repeat(fans, star_posts.shape[0])
    post = np.tile(star_posts, fans.shape[0])
    keep = gen.random(acc.shape[0]) < 0.9  # nearly every post
    acc, post = acc[keep], post[keep]
    when = world.post_time[post] + gen.integers(15, 121, acc.shape[0])  # within 2 minutes
    when = np.minimum(when, world.t1 - 1)
    batch.add(when, acc, post, fr[acc], organic(acc, post))
    mark("superfan", fans)

    # Advocacy letter: one text copied verbatim over several days.
    senders = _draw(gen, _share(n, _LETTER_SENDERS), labelled)
    period = world.t1 - world.t0
    start = world.t0 + period // 4
    stop = min(world.t1, start + max(min(3 * _DAY, period), period // 2))
    lo = int(np.searchsorted(world.post_time, start))
    hi = max(lo + 1, int(np.searchsorted(world.post_time, stop)))
    lo = min(lo, world.post_time.shape[0] - 1)
    hi = min(hi, world.post_time.shape[0])
    acc = np.repeat(senders, 1 + (gen.random(senders.shape[0]) < 0.2))  # some send it twice
    post = _weighted_in_range(
        gen, world.post_cw0, np.full(acc.shape[0], lo), np.full(acc.shape[0], hi)
    )
    when = _organic_times(gen, world, world.post_time[post], shift[acc], median=2 * _HOUR)
    texts = []
    for a in acc.tolist():
        text, tag = _LETTER[bool(fr[a])]
        texts.append(_Text(text, [_LETTER_URL], [tag], []))
    batch.add(when, acc, post, fr[acc], texts)
    mark("advocacy_letter", senders)

    # News links: a few articles shared by many within hours, each with a short own comment.
    n_items = _few(world.days)
    slugs = gen.choice(len(_NEWS_SLUGS), size=n_items, replace=False)
    sharers_all = []
    for slug in slugs.tolist():
        sharers = _draw(gen, _share(n, _NEWS_SHARERS), labelled)
        sharers_all.append(sharers)
        day = int(gen.integers(world.days))
        published = world.t0 + day * _DAY + int(gen.integers(8 * _HOUR, 19 * _HOUR))  # newsroom
        base = _news_url(py, _NEWS_SLUGS[slug], int(gen.integers(10_000, 99_999)))
        # Shared within hours of publication: median 45 minutes.
        when = published + _lognormal_delay(gen, sharers.shape[0], 2_700.0, 1.0).astype(np.int64)
        when = np.minimum(when, world.t1 - 1)
        post, ok = _recent_posts(gen, world, when, _DAY)
        nxt = np.minimum(np.searchsorted(world.post_time, when), world.post_time.shape[0] - 1)
        post = np.where(ok, post, nxt).astype(np.int64)
        when = np.where(ok, when, np.minimum(world.post_time[post] + 300, world.t1 - 1))
        texts = []
        for a in sharers.tolist():
            v = _FR if fr[a] else _EN
            url = base + py.choice(_TRACKING)
            comment = py.choice(v.news_comments)
            texts.append(_Text(f"{comment} {url}", [url], [], []))
        batch.add(when, sharers, post, fr[sharers], texts)
    mark("news_link", np.concatenate(sharers_all))

    # Viral posts: hundreds of comments within minutes of posting.
    hour = ((world.post_time - world.t0) % _DAY) // _HOUR
    candidates = np.flatnonzero(
        (hour >= 9) & (hour < 19) & (world.post_time < world.t1 - 3 * _HOUR)
    )
    if candidates.shape[0] == 0:
        candidates = np.arange(world.post_time.shape[0])
    viral = gen.choice(candidates, size=min(n_items, candidates.shape[0]), replace=False)
    commenters_all = []
    for p in viral.tolist():
        commenters = _draw(gen, _share(n, _VIRAL_COMMENTERS), labelled)
        commenters_all.append(commenters)
        # Within minutes: median 3 minutes, rarely more than 15.
        when = world.post_time[p] + 10 + _lognormal_delay(gen, commenters.shape[0], 180.0, 0.7)
        when = np.minimum(when, world.t1 - 1).astype(np.int64)
        post = np.full(commenters.shape[0], p, dtype=np.int64)
        # A third of a viral crowd just says "Bravo!"; the rest write their own comment.
        texts = [
            _phrase(py, bool(fr[a]))
            if py.random() < 0.3
            else _organic_text(py, bool(fr[a]), world.mp_handle[world.post_mp[p]])
            for a in commenters.tolist()
        ]
        batch.add(when, commenters, post, fr[commenters], texts)
    mark("viral_post", np.concatenate(commenters_all))

    # Popular phrases: "Thank you!", "Merci!" ... soon after posts, by many independently.
    posters = _draw(gen, _share(n, _PHRASE_POSTERS), labelled)
    acc = np.repeat(posters, 1 + gen.binomial(2, 0.3, posters.shape[0]))  # 1-3 phrases each
    post = _followed_posts(gen, world, follows, n_follow, acc)
    # Quick reactions (median 8 minutes), so they coincide on busy posts by chance.
    when = _organic_times(gen, world, world.post_time[post], shift[acc], median=480.0, sigma=1.0)
    batch.add(when, acc, post, fr[acc], [_phrase(py, bool(fr[a])) for a in acc.tolist()])
    mark("popular_phrase", posters)
    return label


def _check_simulate_args(
    n_organic: object,
    n_targets: object,
    days: object,
    stealth: object,
    networks: object,
    traps: object,
) -> tuple[int, int, int, float | None, tuple[NetworkSpec, ...], bool]:
    where = "simulate"
    if not isinstance(traps, bool | np.bool_):
        raise ParameterError(
            f"The 'traps' parameter of {where} must be a bool. Got {traps!r} instead."
        )
    traps = bool(traps)
    n_org = check_int(n_organic, "n_organic", where, low=1)
    if traps and n_org < _MIN_ORGANIC_WITH_TRAPS:
        raise ParameterError(
            f"The 'n_organic' parameter of {where} must be an integer >= "
            f"{_MIN_ORGANIC_WITH_TRAPS} when traps=True (every trap kind needs its own "
            f"accounts). Got {n_organic!r} instead."
        )
    n_tg = check_int(n_targets, "n_targets", where, low=1)
    n_days = check_int(days, "days", where, low=1, high=366)
    if networks is None:
        s = 0.5 if stealth is None else check_number(stealth, "stealth", where, low=0, high=1)
        return n_org, n_tg, n_days, s, default_networks(s), traps
    if stealth is not None:
        raise ParameterError(
            f"The 'stealth' parameter of {where} must be None when 'networks' is given "
            f"(stealth only tunes the default networks). Got {stealth!r} instead."
        )
    if isinstance(networks, str | bytes) or not isinstance(networks, Sequence):
        raise ParameterError(
            f"The 'networks' parameter of {where} must be a sequence of NetworkSpec or None. "
            f"Got {networks!r} instead."
        )
    specs = tuple(networks)
    for spec in specs:
        if not isinstance(spec, NetworkSpec):
            raise ParameterError(
                f"The 'networks' parameter of {where} must be a sequence of NetworkSpec or "
                f"None. Got an item {spec!r} instead."
            )
    names = [spec.name for spec in specs]
    if len(set(names)) != len(names):
        raise ParameterError(
            f"The 'networks' parameter of {where} must have unique network names. "
            f"Got {names!r} instead."
        )
    return n_org, n_tg, n_days, None, specs, traps


def simulate(
    *,
    n_organic: int = 2000,
    n_targets: int = 40,
    days: int = 14,
    stealth: float | None = None,
    networks: Sequence[NetworkSpec] | None = None,
    traps: bool = True,
    rng: int | np.random.Generator | None = None,
) -> SimulatedData:
    """Simulate MPs' posts, an organic crowd, coordinated networks and traps.

    Parameters
    ----------
    n_organic : int, default 2000
        Number of organic accounts (>= 1, >= 50 when *traps* is true).
    n_targets : int, default 40
        Number of MPs whose posts are commented on.
    days : int, default 14
        Length of the period in days (1 to 366). The period always ends on
        Tuesday 8 September 2026, the day after Labour Day, so ``days >= 5``
        contains the Friday–Monday long weekend.
    stealth : float or None, default None
        Difficulty of the default networks in [0, 1] (None means 0.5); see
        :func:`default_networks`. Must be None when *networks* is given.
    networks : sequence of NetworkSpec or None, default None
        The coordinated networks; None uses ``default_networks(stealth)``, an
        empty sequence simulates organic activity only.
    traps : bool, default True
        Whether to add the organic traps of :data:`TRAP_KINDS`.
    rng : None, int or numpy.random.Generator, default None
        Source of randomness; the same seed gives identical output.

    Returns
    -------
    SimulatedData
        The records (sorted by time) and the ground truth.

    Raises
    ------
    ParameterError
        If a parameter is out of range, or both *stealth* and *networks* are given.

    Notes
    -----
    Times are generated in UTC seconds and written as ISO 8601 with ``+00:00``.
    MPs (Eastern time, UTC-4) post 1–4 times per working day and 1–2 times on
    weekends and the holiday, between 07:00 and 22:00. Organic accounts comment
    :math:`\\max(1, \\mathrm{round}(L \\cdot days / 14))` times with
    :math:`L \\sim \\mathrm{LogNormal}(1, 1.4)`, on posts of a few MPs they
    follow (drawn by popularity, same language preferred), after a lognormal
    delay (median 40 min) thinned by a diurnal curve. Networks act in waves
    placed uniformly in UTC+8 office hours (09:00–12:00, 13:00–18:00) at
    ``waves_per_day`` per working day, times 2.5 on the long weekend; a wave
    hits the latest post of ``targets_per_wave`` MPs from the last 48 hours and
    each member comments with probability ``participation``, at the wave time
    plus a normal deviate of standard deviation ``jitter``. Camouflage adds
    :math:`\\mathrm{Poisson}(c / (1 - c))` organic-looking comments per
    coordinated comment, in office hours. String-level choices use a
    :class:`random.Random` seeded from the generator, so the output is a pure
    function of the seed.

    References
    ----------
    Global Affairs Canada, Rapid Response Mechanism Canada (2023), "Probable
    'Spamouflage' campaign targets numerous Canadian Members of Parliament"
    (public description of the case this simulator imitates).

    Examples
    --------
    >>> from botgraph.simulate import simulate
    >>> data = simulate(n_organic=100, n_targets=5, days=3, rng=0)
    >>> sorted(set(data.truth.network.values()))
    ['hijacked', 'loud', 'stealthy']
    >>> sorted(set(data.truth.trap.values())) == sorted(TRAP_KINDS)
    True
    >>> data.records[0]["timestamp"].endswith("+00:00")
    True
    """
    n_org, n_tg, n_days, s, specs, with_traps = _check_simulate_args(
        n_organic, n_targets, days, stealth, networks, traps
    )
    gen = check_rng(rng, "simulate")
    py = random.Random(int(gen.integers(2**63)))
    world = _make_world(gen, n_tg, n_days)
    batch = _Batch()

    # Organic crowd.
    fr = gen.random(n_org) < _FR_SHARE
    shift = gen.normal(0.0, _PERSONAL_SHIFT_H, n_org)
    activity = gen.lognormal(_ACTIVITY_MU, _ACTIVITY_SIGMA, n_org) * n_days / 14
    n_comments = np.maximum(1, np.rint(activity)).astype(np.int64)
    follows, n_follow = _follow(gen, world, fr, n_comments)
    acc = np.repeat(np.arange(n_org, dtype=np.int64), n_comments)
    post = _followed_posts(gen, world, follows, n_follow, acc)
    when = _organic_times(gen, world, world.post_time[post], shift[acc])
    lang = fr[acc] ^ (gen.random(acc.shape[0]) < _SWITCH_LANGUAGE)
    texts = [
        _organic_text(py, f, world.mp_handle[world.post_mp[p]])
        for f, p in zip(lang.tolist(), post.tolist(), strict=True)
    ]
    batch.add(when, acc, post, lang, texts)
    trap_label = _traps(gen, py, world, fr, shift, follows, n_follow, batch) if with_traps else {}

    # Networks.
    n_bots = sum(spec.n_accounts for spec in specs)
    n_all = n_org + n_bots
    created = np.empty(n_all, dtype=np.int64)
    created[:n_org] = gen.integers(_EPOCH_2008, world.t0 - 7 * _DAY, n_org)
    templates = _templates(gen, py, specs)
    network_of: dict[int, str] = {}
    start = n_org
    for spec, tmpl in zip(specs, templates, strict=True):
        members = np.arange(start, start + spec.n_accounts, dtype=np.int64)
        start += spec.n_accounts
        if spec.kind == "new":
            burst = world.t0 - gen.uniform(*_CREATION_LEAD_DAYS) * _DAY
            created[members] = burst + gen.uniform(0, _CREATION_BURST_DAYS * _DAY, members.shape[0])
        else:
            created[members] = gen.integers(_EPOCH_2011, _EPOCH_2022, members.shape[0])
        network_of.update(dict.fromkeys(members.tolist(), spec.name))
        _simulate_network(gen, py, world, spec, members, tmpl, batch)

    # Ids are random numbers, so nothing in an id betrays its kind.
    numbers = gen.choice(9_000_000, size=n_all, replace=False) + 1_000_000
    ids = [f"u{x}" for x in numbers.tolist()]
    created_iso = _iso(created)

    time = np.concatenate(batch.time)
    account = np.concatenate(batch.account)
    post = np.concatenate(batch.post)
    order = np.argsort(time, kind="stable")
    stamps = _iso(time[order])
    width = max(6, len(str(order.shape[0])))
    records = []
    for i, (j, stamp) in enumerate(zip(order.tolist(), stamps, strict=True)):
        a, p, text = int(account[j]), int(post[j]), batch.texts[j]
        records.append(
            {
                "record_id": f"r{i:0{width}d}",
                "account_id": ids[a],
                "timestamp": stamp,
                "text": text.text,
                "target_id": world.mp_handle[world.post_mp[p]],
                "post_id": world.post_id[p],
                "platform": world.post_platform[p],
                "lang": "fr" if batch.fr[j] else "en",
                "account_created_at": created_iso[a],
                "urls": list(text.urls),
                "hashtags": list(text.hashtags),
                "mentions": list(text.mentions),
            }
        )

    truth = Truth(
        accounts=tuple(sorted(ids)),
        network={ids[a]: name for a, name in network_of.items()},
        trap={ids[a]: kind for a, kind in trap_label.items()},
        networks=specs,
    )
    seed = int(rng) if isinstance(rng, int | np.integer) else None
    parameters = MappingProxyType(
        {
            "n_organic": n_org,
            "n_targets": n_tg,
            "days": n_days,
            "stealth": s,
            "networks": specs,
            "traps": with_traps,
            "seed": seed,
            "start": _iso(np.array([world.t0]))[0],
            "end": _iso(np.array([world.t1]))[0],
            "long_weekend": (_LONG_WEEKEND[0].isoformat(), _LONG_WEEKEND[-1].isoformat()),
            "target_utc_offset_hours": _TARGET_UTC_OFFSET,
            "operator_utc_offset_hours": _OPERATOR_UTC_OFFSET,
        }
    )
    _LOG.debug(
        "simulated %d records, %d accounts (%d coordinated, %d trap)",
        len(records), n_all, len(network_of), len(trap_label),
    )  # fmt: skip
    return SimulatedData(records=tuple(records), truth=truth, parameters=parameters)
