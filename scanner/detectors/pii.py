"""Kinds of UK personal data in recognised text (OCR output), for the report only.

The report must never repeat what was read, so this module answers with category keys and
counts, never with the matched text. Input is OCR output: expect O/0, I/l/1, S/5 and B/8
confusions, spaces inserted or dropped, and a label and its value split into separate strings
("DOB:" and "12/03/1950"). Every pattern is anchored at the start of a run (look-behind) and
uses bounded or unambiguous repetition, so the work is linear in the length of the text: a
page of garbage costs milliseconds, not minutes.

Categories (keys of :data:`PII_LABELS`): ``nhs_number`` (modulus-11 checked by python-stdnum),
``ni_number`` (prefix rules applied), ``postcode``, ``phone`` (UK, validated by phonenumbers),
``email``, ``date_of_birth``, ``date``, ``name`` and ``address``.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import phonenumbers
from stdnum.gb import nhs

log = logging.getLogger(__name__)

# Most severe first: the order of describe()'s phrase and of classify()'s keys.
ORDER: tuple[str, ...] = (
    "nhs_number",
    "ni_number",
    "date_of_birth",
    "name",
    "address",
    "postcode",
    "phone",
    "email",
    "date",
)

PII_LABELS: dict[str, str] = {
    "nhs_number": "an NHS number",
    "ni_number": "a National Insurance number",
    "date_of_birth": "a date of birth",
    "name": "what looks like a person's name",
    "address": "a street address",
    "postcode": "a postcode",
    "phone": "a phone number",
    "email": "an e-mail address",
    "date": "a date",
}

_HIGH = frozenset({"nhs_number", "ni_number", "date_of_birth", "name", "address"})
_MEDIUM = frozenset({"postcode", "phone", "email"})
_LOW = frozenset({"date"})

# A date within this many characters of a DOB cue (either side) is a date of birth.
DOB_CUE_DISTANCE = 40
BIRTH_YEARS = range(1900, 2026)

# ------------------------------------------------------------------------------------------
# Names: compact built-in lists (casefolded for lookup).


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


FIRST_NAMES: frozenset[str] = _wordset(
    """
    margaret mary elizabeth patricia susan sarah jennifer linda barbara jean joan dorothy
    betty doris irene eileen brenda sheila pauline christine janet gillian julie karen helen
    alison angela carol catherine katherine kathleen anne ann jane joanne nicola rachel
    rebecca emma emily charlotte sophie olivia amelia isla ava isabella ella chloe lucy hannah
    jessica laura claire louise michelle lisa amanda deborah tracey wendy valerie beryl
    gwendoline gladys edna ethel mavis marjorie muriel phyllis hilda vera audrey sylvia
    shirley maureen marion elsie annie ellen frances alice evelyn kirsty natalie samantha
    stephanie zoe poppy freya evie harriet eleanor
    sian siân eleri nia ffion carys cerys angharad bethan catrin elin lowri mared manon megan
    rhian rhiannon gwenllian heledd glenys myfanwy nerys nesta olwen eirlys meinir tegwen
    delyth menna elen branwen ceri dilys eluned enid gwyneth llinos lleucu mair marged
    sioned tesni siwan gwen gwawr anwen buddug morwenna
    john david michael james robert william richard thomas christopher paul andrew peter
    stephen steven anthony kevin gary ian alan brian keith kenneth colin derek geoffrey
    graham malcolm raymond ronald roger george harry charles edward arthur albert frederick
    harold henry leonard stanley walter ernest alfred dennis donald douglas eric gordon
    norman trevor philip simon martin neil nigel jason daniel matthew benjamin samuel
    joseph oliver noah oscar charlie alfie freddie archie joshua ryan luke adam liam ethan
    tyler callum aaron jamie craig darren wayne lee barry terence clive
    dafydd rhys gareth gethin huw hywel iwan ioan iestyn emyr dewi aled alun arwel carwyn
    cynan deiniol dyfan elfed emrys geraint gruffudd gruffydd guto gwilym ieuan ifan
    islwyn llewelyn llywelyn llyr meirion owain osian peredur rhodri rhun siôn sion steffan
    tomos trystan euros cledwyn idris ianto medwyn berwyn bleddyn emlyn rhydian tudur
    taliesin macsen elwyn eifion goronwy caradog
    """
)

# First names that are also ordinary words, months or place names: they count only next to
# a known first name or surname ("Grace Jones", not "Grace Court" or "May Contain Nuts").
AMBIGUOUS_FIRST_NAMES: frozenset[str] = _wordset(
    """
    mark will bill grace rose may june april august dawn joy hope faith holly ivy daisy ruby
    amber jade victoria florence georgia summer autumn sky seren bryn glyn gwyn mali non cai dai
    wyn alaw awen efa jack frank ray dean guy rob pat sue jan gene heather hazel pearl iris
    violet lily robin angel sunny crystal penny carol
    """
)

SURNAMES: frozenset[str] = _wordset(
    """
    jones williams davies davis evans thomas roberts hughes lewis morgan griffiths smith
    brown taylor wilson johnson walker wright robinson thompson white edwards green hall
    wood harris martin jackson clarke clark turner hill scott cooper ward morris moore king
    watson baker harrison patel young allen mitchell james anderson phillips lee bell parker
    price rees powell jenkins owen owens pritchard lloyd howells bevan parry pugh rowlands
    vaughan watkins llewellyn probert prosser hopkins humphreys jenkin john richards
    matthews morgans rogers stephens perry reynolds ellis bowen gibbs harries meredith
    llywelyn gruffydd griffith pryce rice bowen lane murphy kelly o'brien mcdonald campbell
    stewart murray macdonald
    """
)

# Capitalised words that start or sit in signage and headings, never part of a name.
STOP_WORDS: frozenset[str] = _wordset(
    """
    the and of to for in on at by with from a an is are be no not or but if as please
    welcome happy birthday christmas easter congratulations thank thanks you we they he
    she it me us them my your our their his her this that these those out up down all any
    some every each new old my here there what when where who why how
    room exit fire entrance ward unit house home court lodge hall centre center park garden
    gardens street road lane avenue close drive way crescent place terrace square hospital
    surgery clinic school college university church chapel council board trust health care
    services service team day night week today tomorrow yesterday morning afternoon evening
    monday tuesday wednesday thursday friday saturday sunday january february march july
    september october november december
    lounge kitchen office toilet toilets bathroom bedroom reception activity activities
    dining lift stairs staff only keep clear shut door open closed push pull wash hands
    hand menu lunch dinner breakfast tea coffee quiz bingo music film session club group
    meeting notice information visitors visiting times hours emergency assembly point
    alarm call nurse manager doctor station bus train car parking private public suite
    wing floor level block main north south east west cymru wales welsh cardiff caerdydd
    swansea abertawe newport casnewydd wrexham bangor aberystwyth llanelli bridgend
    merthyr london england britain uk nhs gig queen king prince princess saint st sant
    memorial library shop cafe café bar hotel centre sale free fair show event party
    trip outing visit residents resident patient patients client service user key worker
    next kin carer name first full surname forename
    croeso ty tŷ llys plas canolfan ysgol ysbyty eglwys capel neuadd cartref gofal parc heol
    ffordd stryd lôn lon maes
    """
)

_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "revd", "rev", "mstr"})

# Label cues, as casefolded word sequences (longest first where they share a prefix).
_NAME_CUES: tuple[tuple[str, ...], ...] = (
    ("next", "of", "kin"),
    ("service", "user"),
    ("defnyddiwr", "gwasanaeth"),
    ("key", "worker"),
    ("full", "name"),
    ("first", "name"),
    ("resident", "name"),
    ("patient", "name"),
    ("keyworker",),
    ("name",),
    ("names",),
    ("forename",),
    ("forenames",),
    ("surname",),
    ("resident",),
    ("patient",),
    ("client",),
    ("carer",),
    ("enw",),
    ("preswylydd",),
    ("claf",),
)

# ------------------------------------------------------------------------------------------
# Patterns

_UP = "A-ZÀ-ÖØ-ÞŴŶ"
_LO = "a-zß-öø-ÿŵŷ"
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
    r"|ionawr|chwefror|mawrth|ebrill|mai|mehefin|gorffennaf|awst|medi|hydref|tachwedd"
    r"|rhagfyr)(?![a-z])"
)
_ORDINAL = r"(?:st|nd|rd|th|af|il|ydd|ed|fed|eg)?"

# Mostly-digit tokens, where O/I/l/|/S/B are read as digits.
_ALNUM_TOKEN = re.compile(r"[0-9A-Za-z|]+")
_DIGIT_CONFUSIONS = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1",
                                   "S": "5", "B": "8"})
_CONFUSABLE = frozenset("OoIl|SB")

_DATE_NUMERIC = re.compile(
    r"(?<![\d/.\-])(\d{1,2})[ \t]?([/.\-])[ \t]?(\d{1,2})[ \t]?\2[ \t]?(\d{4}|\d{2})"
    r"(?!\d|[/.\-]\d)"
)
_DATE_ISO = re.compile(r"(?<![\d/.\-])(\d{4})([/.\-])(\d{1,2})\2(\d{1,2})(?!\d|[/.\-]\d)")
_DATE_DAY_MONTH = re.compile(
    r"(?<![\dA-Za-z])(\d{1,2})" + _ORDINAL + r"(?:[ \t]*[-/.,][ \t]*|\s{1,3})(?:of[ \t]+)?("
    + _MONTHS + r")\.?(?:[ \t]*[-/.,][ \t]*|\s{1,3})(\d{4}|\d{2})(?!\d)",
    re.IGNORECASE,
)
_DATE_MONTH_DAY = re.compile(
    r"(?<![A-Za-z])(" + _MONTHS + r")\.?[ \t]{1,3}(\d{1,2})" + _ORDINAL
    + r",?[ \t]{1,3}(\d{4})(?!\d)",
    re.IGNORECASE,
)
_DOB_CUE = re.compile(
    r"(?<![a-z])(?:d[ \t]?\.?[ \t]?[o0][ \t]?\.?[ \t]?b(?![a-z])\.?|date[ \t]*of[ \t]*birth"
    r"|birth[ \t]?date|born(?![a-z])|dyddiad[ \t]+geni|geni(?![a-z]))",
    re.IGNORECASE,
)

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}[ \t]?@[ \t]?"
    r"([A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63})+)"
)
_NI = re.compile(
    r"(?<![A-Za-z0-9])([A-Z])([A-Z])[ \t]?([0-9OIlSB|]{2})[ \t]?([0-9OIlSB|]{2})[ \t]?"
    r"([0-9OIlSB|]{2})[ \t]?([A-D])(?![A-Za-z0-9])"
)
_NI_BAD_FIRST = frozenset("DFIQUV")
_NI_BAD_SECOND = frozenset("DFIOQUV")
_NI_BAD_PREFIX = frozenset({"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"})

_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])(?:GIR[ \t]{0,2}0AA|(?:[A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
    r"[ \t]{0,2}[0-9O][ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])"
)

# Groups of digits for NHS and phone numbers: "+44", "(029)", "(0)", "2087".
_DIGIT_GROUP = re.compile(r"(?<!\d)([+(]?)(\d+)(\)?)")
_GROUP_GAP = re.compile(r"[ \t]{0,3}|[ \t]?[\-–.][ \t]?")

_STREET_WORDS = _wordset(
    "Street St Road Rd Avenue Ave Lane Ln Close Drive Dr Way Crescent Cres Place Pl Court "
    "Ct Terrace Tce Gardens Gdns Grove Row Square Sq Walk Mews Parade Hill Rise View Park "
    "Vale Boulevard Green Gate Fields Meadow Meadows"
)
_WELSH_STREET_WORDS = _wordset("Heol Ffordd Stryd Lôn Lon Rhodfa Cilgant Clos Teras Maes Llwyn")


def _either_case(words: Iterable[str]) -> str:
    alts = sorted({v for w in words for v in (w, w.upper())}, key=len, reverse=True)
    return "(?:" + "|".join(re.escape(a) for a in alts) + ")"


_CAP_WORD = rf"(?:[{_UP}][{_LO}'’]+|[{_UP}]{{2,}})"
_ADDRESS = re.compile(
    rf"(?<![\w])\d{{1,4}}[A-Za-z]?(?![\w]),?[ \t]+(?:"
    rf"(?:{_CAP_WORD}[ \t]+){{1,3}}{_either_case(_STREET_WORDS)}\.?(?![\w])"
    rf"|{_either_case(_WELSH_STREET_WORDS)}[ \t]+[\w])"
)

_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_CUE_GAP = re.compile(r"[ \t]*([:\-–—])?[ \t]*(?:\r?\n[ \t]*)?")
_NAME_GAP = re.compile(r",?[ \t]{1,3}")  # "Jones, Margaret"
_SPACE_GAP = re.compile(r"[ \t]{1,3}")
_TITLE_GAP = re.compile(r"\.?[ \t]{1,3}")


# ------------------------------------------------------------------------------------------
# Public API


def nhs_number_valid(digits: str) -> bool:
    """True for 10 ASCII digits whose last is the modulus-11 check digit of the first nine.

    The check is python-stdnum's ``stdnum.gb.nhs``. Numbers of one repeated digit
    (0000000000, ...) pass its arithmetic but are never issued, so they are rejected here.
    """
    # stdnum also strips spaces and dashes and reads full-width digits; this function takes
    # bare ASCII digits because the caller decides which OCR digit groups form one number.
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    return len(set(digits)) > 1 and nhs.is_valid(digits)


def classify(texts: Sequence[str]) -> dict[str, int]:
    """Count matches of each category across ``texts``; only categories found, in ORDER.

    Returns category keys and counts only, never the text that matched.
    """
    analyses = [_analyse(_prepare(t)) for t in texts if isinstance(t, str) and t]
    counts: Counter[str] = Counter()
    orphan_cue = any(a.orphan_cue for a in analyses)
    pending_name_cue = False
    for a in analyses:
        counts.update(a.counts)
        for date in a.dates:
            if date.near_cue or (orphan_cue and date.birth_year):
                counts["date_of_birth"] += 1
            else:
                counts["date"] += 1
        counts["name"] += _count_names(a.text, pending_name_cue)
        pending_name_cue = _ends_with_name_cue(a.text)
    return {k: counts[k] for k in ORDER if counts[k] > 0}


def describe(counts: Mapping[str, int]) -> str:
    """A plain phrase for the categories found, most severe first; "" if none.

    Labels are singular whatever the count ("a phone number"): the phrase says what kinds of
    personal data were read, the counts are reported separately.
    """
    labels = [PII_LABELS[k] for k in ORDER if counts.get(k, 0) > 0]
    if not labels:
        return ""
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def severity(counts: Mapping[str, int]) -> str:
    """"high", "medium", "low" or "none" for the most severe category found."""
    found = {k for k, v in counts.items() if v > 0}
    if found & _HIGH:
        return "high"
    if found & _MEDIUM:
        return "medium"
    if found & _LOW:
        return "low"
    return "none"


# ------------------------------------------------------------------------------------------
# One text


@dataclass(slots=True)
class _Date:
    start: int
    end: int
    birth_year: bool
    near_cue: bool = False


@dataclass(slots=True)
class _Analysis:
    text: str
    counts: Counter[str]
    dates: list[_Date]
    orphan_cue: bool


def _prepare(text: str) -> str:
    # NFKC folds full-width digits, ligatures and odd spaces into plain forms.
    return unicodedata.normalize("NFKC", text).replace("\u00a0", " ")


def _analyse(text: str) -> _Analysis:
    counts: Counter[str] = Counter()

    emails = _find_emails(text)
    counts["email"] = len(emails)
    text_wo_email = _mask(text, emails, " ")

    digits = normalise_digits(text_wo_email)
    dates = _find_dates(digits)
    cues = [(m.start(), m.end()) for m in _DOB_CUE.finditer(digits)]
    for d in dates:
        d.near_cue = any(_gap((d.start, d.end), c) <= DOB_CUE_DISTANCE for c in cues)
    orphan = any(
        all(_gap((d.start, d.end), c) > DOB_CUE_DISTANCE for d in dates) for c in cues
    )

    numbers = _mask(digits, [(d.start, d.end) for d in dates], "#")
    nhs, phones = _find_numbers(numbers)
    counts["nhs_number"] = nhs
    counts["phone"] = phones
    counts["ni_number"] = _count_ni(text_wo_email)
    counts["postcode"] = sum(1 for _ in _POSTCODE.finditer(text_wo_email))
    counts["address"] = sum(1 for _ in _ADDRESS.finditer(digits))
    return _Analysis(text_wo_email, counts, dates, orphan)


def normalise_digits(text: str) -> str:
    """Read O/o->0, I/l/|->1, S->5, B->8 inside runs that are mostly digits.

    A run is changed only when it holds no other letters and at least as many real digits as
    look-alikes ("59I9" -> "5919", "O7700" -> "07700"), so words and postcodes stay as they are.
    The result has the same length as the input, so positions carry over.
    """
    out: list[str] = []
    last = 0
    for m in _ALNUM_TOKEN.finditer(text):
        token = m.group()
        n_digits = sum(c.isdigit() for c in token)
        n_confusable = sum(c in _CONFUSABLE for c in token)
        if n_confusable and n_digits >= n_confusable and n_digits + n_confusable == len(token):
            out.append(text[last : m.start()])
            out.append(token.translate(_DIGIT_CONFUSIONS))
            last = m.end()
    out.append(text[last:])
    return "".join(out)


def _mask(text: str, spans: Iterable[tuple[int, int]], fill: str) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = fill * (end - start)
    return "".join(chars)


def _gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, max(a[0], b[0]) - min(a[1], b[1]))


def _find_emails(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _EMAIL.finditer(text):
        tld = m.group(1).rsplit(".", 1)[-1]
        if len(tld) >= 2 and tld.isalpha():
            spans.append((m.start(), m.end()))
    return spans


def _plausible_day_month(day: int, month: int) -> bool:
    return 1 <= day <= 31 and 1 <= month <= 12


def _year_ok(year: str) -> tuple[bool, bool]:
    """(acceptable as a full date's year, plausible as a birth year)."""
    if len(year) == 2:
        return True, True
    y = int(year)
    return 1800 <= y <= 2099, y in BIRTH_YEARS


def _find_dates(text: str) -> list[_Date]:
    found: list[_Date] = []
    covered = bytearray(len(text))  # the patterns overlap: count each stretch once

    def add(start: int, end: int, year: str) -> None:
        ok, birth = _year_ok(year)
        if ok and not any(covered[start:end]):
            covered[start:end] = b"\x01" * (end - start)
            found.append(_Date(start, end, birth))

    for m in _DATE_ISO.finditer(text):
        if _plausible_day_month(int(m.group(4)), int(m.group(3))):
            add(m.start(), m.end(), m.group(1))
    for m in _DATE_NUMERIC.finditer(text):
        a, b = int(m.group(1)), int(m.group(3))
        if _plausible_day_month(a, b) or _plausible_day_month(b, a):  # dd/mm or mm/dd
            add(m.start(), m.end(), m.group(4))
    for m in _DATE_DAY_MONTH.finditer(text):
        if 1 <= int(m.group(1)) <= 31:
            add(m.start(), m.end(), m.group(3))
    for m in _DATE_MONTH_DAY.finditer(text):
        if 1 <= int(m.group(2)) <= 31:
            add(m.start(), m.end(), m.group(3))
    found.sort(key=lambda d: d.start)
    return found


def _count_ni(text: str) -> int:
    n = 0
    for m in _NI.finditer(text):
        first, second = m.group(1), m.group(2)
        body = m.group(3) + m.group(4) + m.group(5)
        if sum(c.isdigit() for c in body) < 4:
            continue
        if first in _NI_BAD_FIRST or second in _NI_BAD_SECOND:
            continue
        if first + second in _NI_BAD_PREFIX:
            continue
        n += 1
    return n


# Ofcom's drama ranges (07700 900xxx, 01632 960xxx, 0115 496 0xxx) that libphonenumber treats
# as unallocated. It accepts the other 17 drama ranges, and demos, training material and this
# project's sample images print these in place of real numbers: they read as phone numbers.
_DRAMA_RANGES = ("7700900", "1632960", "1154960")


def _uk_phone(plus: bool, digits: str) -> bool:
    """A UK number written the UK way: 0..., +44... or 0044..., then a number libphonenumber
    finds valid (an allocated range, of the right length for it)."""
    if plus:
        if not digits.startswith("44"):
            return False
        return _valid_uk_number("+" + digits)
    # Without a trunk 0 or +44, digits are some other number ("1234 567890"), even though
    # libphonenumber would read them as a national number.
    return digits.startswith("0") and _valid_uk_number(digits)


@functools.lru_cache(maxsize=4096)
def _valid_uk_number(written: str) -> bool:
    # Cached: OCR garbage repeats the same candidates, and parsing costs ~20 us each.
    try:
        number = phonenumbers.parse(written, "GB")  # also reads 0044 and +44 (0)
    except phonenumbers.NumberParseException:
        return False
    if number.country_code != 44:  # "0012025550143" is a US number dialled from the UK
        return False
    national = str(number.national_number)
    return phonenumbers.is_valid_number(number) or (
        len(national) == 10 and national.startswith(_DRAMA_RANGES)
    )


def _nhs_candidate(plus: bool, digits: str, sizes: list[int]) -> bool:
    if plus or not nhs_number_valid(digits):
        return False
    # A leading 0 reads as a phone number unless grouped the NHS way (3-3-4).
    return not digits.startswith("0") or sizes == [3, 3, 4]


def _find_numbers(text: str) -> tuple[int, int]:
    """(NHS numbers, UK phone numbers) among runs of digit groups.

    Groups separated by up to three spaces, a dash or a dot form a chain. From each group, the
    run of whole groups that makes a valid NHS number (exactly 10 digits), else the longest
    that makes a UK phone number, is taken, and the search goes on after it.
    """
    chains: list[list[tuple[bool, str]]] = []
    prev_end = -1
    for m in _DIGIT_GROUP.finditer(text):
        group = (m.group(1) == "+", m.group(2))
        if prev_end >= 0 and _GROUP_GAP.fullmatch(text, prev_end, m.start()):
            chains[-1].append(group)
        else:
            chains.append([group])
        prev_end = m.end()
    nhs = phones = 0
    for chain in chains:
        i = 0
        while i < len(chain):
            plus = chain[i][0]
            taken = phone_end = 0
            digits = ""
            sizes: list[int] = []
            for j in range(i, len(chain)):
                digits += chain[j][1]
                sizes.append(len(chain[j][1]))
                if len(digits) > 14:
                    break
                if len(digits) == 10 and _nhs_candidate(plus, digits, sizes):
                    nhs += 1
                    taken = j + 1 - i
                    break
                if len(digits) >= 10 and _uk_phone(plus, digits):
                    phone_end = j + 1 - i
            if not taken and phone_end:
                phones += 1
                taken = phone_end
            i += taken or 1
    return nhs, phones


# ------------------------------------------------------------------------------------------
# Names


def _key(word: str) -> str:
    k = word.casefold()
    for suffix in ("'s", "’s"):
        if k.endswith(suffix):
            return k[: -len(suffix)]
    return k


def _is_capitalised(word: str) -> bool:
    if len(word) < 2 or not word[0].isupper():
        return False
    return word.isupper() or any(c.islower() for c in word)


def _is_first_name(k: str) -> bool:
    return k in FIRST_NAMES or any(p in FIRST_NAMES for p in k.split("-") if p != k)


def _is_known(k: str) -> bool:
    parts = {k, *k.split("-")}
    return bool(parts & (FIRST_NAMES | AMBIGUOUS_FIRST_NAMES | SURNAMES))


def _looks_like_name(keys: Sequence[str]) -> bool:
    """Two to four capitalised words: a person's name if one is a known first name."""
    if not 2 <= len(keys) <= 4:
        return False
    if any(_is_first_name(k) for k in keys):
        return True
    for i, k in enumerate(keys):
        if k in AMBIGUOUS_FIRST_NAMES:
            others = [*keys[:i], *keys[i + 1 :]]
            if any(o in FIRST_NAMES or o in SURNAMES for o in others):
                return True
    return False


_CUES_BY_FIRST: dict[str, list[tuple[str, ...]]] = {}
for _cue in _NAME_CUES:
    _CUES_BY_FIRST.setdefault(_cue[0], []).append(_cue)


def _match_cue(words: Sequence[tuple[int, int, str]], i: int, text: str) -> int:
    """Number of words of a name cue starting at word ``i`` (0 if none)."""
    for cue in _CUES_BY_FIRST.get(words[i][2].casefold(), ()):
        n = len(cue)
        if i + n > len(words):
            continue
        if all(words[i + k][2].casefold() == cue[k] for k in range(1, n)) and all(
            _SPACE_GAP.fullmatch(text, words[i + k][1], words[i + k + 1][0]) for k in range(n - 1)
        ):
            return n
    return 0


def _collect(words: Sequence[tuple[int, int, str]], i: int, text: str, limit: int,
             used: set[int]) -> list[int]:
    """Indices of up to ``limit`` capitalised, non-stop words from ``i``, one space apart."""
    picked: list[int] = []
    j = i
    while j < len(words) and len(picked) < limit:
        word = words[j][2]
        if j in used or not _is_capitalised(word):
            break
        k = _key(word)
        if k in _TITLES and j == i:  # "Name: Mrs Margaret Jones" (one title at most)
            j += 1
            if j >= len(words) or not _TITLE_GAP.fullmatch(text, words[j - 1][1], words[j][0]):
                break
            continue
        if k in STOP_WORDS or k in _TITLES:
            break
        picked.append(j)
        j += 1
        if j < len(words) and not _NAME_GAP.fullmatch(text, words[j - 1][1], words[j][0]):
            break
    return picked


def _words(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]


def _count_names(text: str, after_cue: bool) -> int:
    words = _words(text)
    used: set[int] = set()
    n = 0

    # The value of a label that ended the previous text ("Name:" | "Margaret Jones").
    if after_cue and words and not text[: words[0][0]].strip(" \t\r\n:-–—"):
        picked = _collect(words, 0, text, 4, used)
        if picked:
            used.update(picked)
            n += 1

    i = 0
    while i < len(words):
        cue = _match_cue(words, i, text)
        if cue:
            j = i + cue
            if j < len(words):
                gap = _CUE_GAP.fullmatch(text, words[j - 1][1], words[j][0])
                if gap is not None:
                    picked = _collect(words, j, text, 4, used)
                    keys = [_key(words[p][2]) for p in picked]
                    if picked and (gap.group(1) or any(_is_known(k) for k in keys)):
                        used.update(range(i, picked[-1] + 1))
                        n += 1
                        i = picked[-1] + 1
                        continue
            i += cue
            continue
        if _is_title(words, i, text):
            picked = _collect(words, i + 1, text, 3, used)
            if picked:
                used.update(range(i, picked[-1] + 1))
                n += 1
                i = picked[-1] + 1
                continue
        i += 1

    # Runs of capitalised words, split at signage words, with a known first name in them.
    run: list[str] = []
    for idx, (start, _end, word) in enumerate(words):
        k = _key(word)
        if idx in used or not _is_capitalised(word) or k in STOP_WORDS or k in _TITLES:
            n += _looks_like_name(run)
            run = []
            continue
        if run and not _NAME_GAP.fullmatch(text, words[idx - 1][1], start):
            n += _looks_like_name(run)
            run = []
        run.append(k)
    n += _looks_like_name(run)
    return n


def _is_title(words: Sequence[tuple[int, int, str]], i: int, text: str) -> bool:
    """A capitalised "Mr", "Mrs", "Dr", ... followed by another word on the same line."""
    word = words[i][2]
    return (
        _is_capitalised(word)
        and _key(word) in _TITLES
        and i + 1 < len(words)
        and _TITLE_GAP.fullmatch(text, words[i][1], words[i + 1][0]) is not None
    )


def _ends_with_name_cue(text: str) -> bool:
    """True if the text ends in a name label with no value after it ("Resident name:")."""
    words = _words(text)
    for n in (1, 2, 3):
        if len(words) >= n and _match_cue(words, len(words) - n, text) == n:
            return not text[words[-1][1] :].strip(" \t\r\n:-–—")
    return False
