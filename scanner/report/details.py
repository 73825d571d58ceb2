"""Finding details and failure reasons in the reader's language.

Detectors describe a finding in English words (``Finding.detail``: "a document with what looks
like a person's name") and failures give an English reason (``ScanResult.error``: "the file is
empty"). Both are built from fixed phrases: this module recognises those phrases by table and
pattern and gives them in Welsh. It never sees what a photo says (details name kinds of data,
never content); parts of a reason that are a file name, a number or a system message are kept
as they are.

``detail_words`` and ``reason_words`` fall back to the English text for anything unknown;
``strict=True`` raises ``KeyError`` instead (tests/test_details.py uses it to name every detail
and reason without a Welsh form).
"""

from __future__ import annotations

import re
from collections.abc import Callable

DEFAULT_LANG = "en"

# --- finding details -----------------------------------------------------------------------

# The kinds of personal data scanner.detectors.pii names, in Welsh (no article: Welsh has no
# indefinite article).
_PII_CY: dict[str, str] = {
    "an NHS number": "rhif GIG",
    "a National Insurance number": "rhif Yswiriant Gwladol",
    "a date of birth": "dyddiad geni",
    "what looks like a person's name": "rhywbeth sy'n edrych fel enw person",
    "a street address": "cyfeiriad stryd",
    "a postcode": "cod post",
    "a phone number": "rhif ffôn",
    "an e-mail address": "cyfeiriad e-bost",
    "a date": "dyddiad",
}

# What a text surface is (scanner.detectors.documents).
_NOUN_CY: dict[str, str] = {
    "a document": "dogfen",
    "a screen": "sgrin",
    "readable text": "testun darllenadwy",
}

# Whole details that are fixed phrases.
_DETAIL_CY: dict[str, str] = {
    **_NOUN_CY,
    "QR code": "cod QR",
    "barcode": "cod bar",
    "something that may be text; PostSafe is not sure": (
        "rhywbeth a allai fod yn destun; nid yw PostSafe yn siŵr"),
    "a face-like pattern PostSafe is not sure of": (
        "patrwm tebyg i wyneb nad yw PostSafe yn siŵr ohono"),
    "something that may be text, seen only when checking the copy": (
        "rhywbeth a allai fod yn destun, a welwyd dim ond wrth wirio'r copi"),
    "something that may be text, seen partly on a face mosaic when checking the copy": (
        "rhywbeth a allai fod yn destun, a welwyd yn rhannol ar fosaig wyneb wrth wirio'r "
        "copi"),
}

_WITH = re.compile(r"^(?P<noun>a document|a screen|readable text) with (?P<what>.+)$")
_LINES = re.compile(r"^(?P<noun>a document|a screen|readable text) \((?P<n>\d+) lines? of text\)$")
_PERSON = re.compile(r"^a person with no visible face \((?P<detector>[^()]*)\)$")
# An added model's finding: "a <class> (<model>)" (scanner.detectors.yolo). The classes the
# fetched COCO models map have Welsh names; another model's own class name is kept.
_MODEL = re.compile(r"^an? (?P<cls>.+) \((?P<model>[^()]*)\)$")
_CLASS_CY = {"person": "person", "tv": "teledu", "laptop": "gliniadur",
             "cell phone": "ffôn symudol", "book": "llyfr"}

# The aspirate mutation after "a" (and): c, p, t become ch, ph, th.
_ASPIRATE = {"c": "ch", "p": "ph", "t": "th"}


def _and_cy(word: str) -> str:
    first = word[:1]
    if first in _ASPIRATE:
        return "a " + _ASPIRATE[first] + word[1:]
    if first in "aeiouwyâêîôûŵŷ":
        return "ac " + word
    return "a " + word


def _pii_list_cy(what: str) -> str:
    """"an NHS number, a date and a postcode" -> "rhif GIG, dyddiad a chod post"."""
    head, sep, last = what.rpartition(" and ")
    items = (head.split(", ") if sep else []) + [last]
    words = [_PII_CY[item] for item in items]  # KeyError: a label with no Welsh
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " " + _and_cy(words[-1])


def _detail_cy(detail: str) -> str:
    if detail in _DETAIL_CY:
        return _DETAIL_CY[detail]
    if m := _WITH.match(detail):
        return f"{_NOUN_CY[m['noun']]} sy'n cynnwys {_pii_list_cy(m['what'])}"
    if m := _LINES.match(detail):
        return f"{_NOUN_CY[m['noun']]} ({m['n']} llinell o destun)"
    if m := _PERSON.match(detail):
        return f"person heb wyneb gweladwy ({m['detector']})"
    if m := _MODEL.match(detail):
        cls = _CLASS_CY.get(m["cls"], f"‘{m['cls']}’")
        return f"{cls} (model {m['model']})"
    raise KeyError(detail)


def detail_words(detail: str, lang: str = DEFAULT_LANG, *, strict: bool = False) -> str:
    """A finding's detail in ``lang`` ("" stays ""). Unknown details stay English unless
    ``strict``, which raises ``KeyError`` naming the detail."""
    if not detail or lang == DEFAULT_LANG:
        return detail
    if lang != "cy":
        if strict:
            raise KeyError(lang)
        return detail
    try:
        return _detail_cy(detail)
    except KeyError:
        if strict:
            raise KeyError(detail) from None
        return detail


# --- failure reasons -----------------------------------------------------------------------

_Rule = tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]

_NO_COPY_CY = "; ni wnaed copi diogel"
_KIND_CY = {"face": "wyneb", "person": "person", "document": "dogfen", "screen": "sgrin",
            "text": "testun", "code": "cod", "manual": "ardal a ychwanegoch chi"}


def _nested(m: re.Match[str], name: str = "why") -> str:
    """A reason inside a reason ("documents detection failed: <reason>"), itself translated
    when known; a system's own message is kept as it is."""
    return reason_words(m[name], "cy")


# Each pattern is one reason as scanner/ raises it; named groups are the parts that vary (a
# file name, a number, a format, a system message) and are kept.
_REASONS_CY: list[_Rule] = [
    # scanner.image.codec and the review page's upload
    (re.compile(r"^not an image file$"), "nid yw'n ffeil delwedd"),
    (re.compile(r"^not a photo or video file$"), "nid yw'n ffeil llun na fideo"),
    (re.compile(r"^a video, not a photo$"), "fideo, nid llun"),
    (re.compile(r"^the file is empty$"), "mae'r ffeil yn wag"),
    (re.compile(r"^cannot read the file: (?P<why>.+)$"), "methu darllen y ffeil: {why}"),
    (re.compile(r"^not a regular file \(a folder, pipe, device or socket\)$"),
     "nid yw'n ffeil gyffredin (ffolder, peipen, dyfais neu soced)"),
    (re.compile(r"^the file is (?P<n>[\d.,]+) MB, over the (?P<limit>[\d.,]+) MB limit$"),
     "mae'r ffeil yn {n} MB, dros y terfyn o {limit} MB"),
    (re.compile(r"^the file is over the (?P<limit>[\d.,]+) MB limit for one photo$"),
     "mae'r ffeil dros y terfyn o {limit} MB ar gyfer un llun"),
    (re.compile(r"^not a recognised image \(the content is not JPEG, PNG, WebP, HEIC, TIFF, "
                r"BMP or GIF\)$"),
     "nid yw'n ddelwedd a adnabyddir (nid JPEG, PNG, WebP, HEIC, TIFF, BMP na GIF yw'r "
     "cynnwys)"),
    (re.compile(r"^(?P<fmt>\S+) images are not supported$"),
     "nid yw delweddau {fmt} yn cael eu cefnogi"),
    (re.compile(r"^the image has no pixels$"), "does dim picseli yn y ddelwedd"),
    (re.compile(r"^(?P<size>\S+) pixels is over the (?P<limit>[\d.,]+) MP limit$"),
     "mae {size} picsel dros y terfyn o {limit} MP"),
    (re.compile(r"^refused as a possible decompression bomb: the image claims (?P<size>.+), "
                r"over the (?P<limit>[\d.,]+) MP limit$"),
     "gwrthodwyd fel bom datgywasgu posibl: mae'r ddelwedd yn honni {size}, dros y terfyn o "
     "{limit} MP"),
    (re.compile(r"^(?P<kind>\S+) header found but the image cannot be decoded$"),
     "cafwyd pennyn {kind} ond does dim modd datgodio'r ddelwedd"),
    (re.compile(r"^the (?P<kind>\S+) data is corrupt or truncated \((?P<why>.*)\)$"),
     "mae'r data {kind} yn llygredig neu'n anghyflawn ({why})"),
    (re.compile(r"^not enough memory to decode this image$"),
     "does dim digon o gof i ddatgodio'r ddelwedd hon"),
    # scanner.pipeline.process
    (re.compile(r"^could not read the file's metadata \((?P<why>[^()]*)\); no safe copy was "
                r"made$"),
     "methu darllen metadata'r ffeil ({why})" + _NO_COPY_CY),
    (re.compile(r"^internal error \((?P<why>.*)\); no safe copy was made$"),
     "gwall mewnol ({why})" + _NO_COPY_CY),
    (re.compile(r"^verification failed: (?P<n>\d+) redaction\(s\) left the pixels unchanged; "
                r"no safe copy was made$"),
     "methodd y gwirio: gadawodd {n} cuddiad y picseli heb eu newid" + _NO_COPY_CY),
    (re.compile(r"^verification failed: (?P<kinds>[a-z, ]+) still detectable inside a "
                r"redacted area; no safe copy was made$"),
     lambda m: ("methodd y gwirio: mae " + ", ".join(_KIND_CY.get(k, k) for k in
                                                     m["kinds"].split(", "))
                + " yn dal i'w gweld mewn ardal a guddiwyd" + _NO_COPY_CY)),
    (re.compile(r"^code detection failed: every OpenCV call raised \((?P<why>.*)\)$"),
     "methodd canfod codau: methodd pob galwad OpenCV ({why})"),
    (re.compile(r"^(?P<detector>\S+) returned an invalid box: (?P<why>.+)$"),
     lambda m: f"rhoddodd {m['detector']} flwch annilys: {_nested(m)}"),
    (re.compile(r"^(?P<detector>\S+) detection failed: (?P<why>.+)$"),
     lambda m: f"methodd y canfod gan {m['detector']}: {_nested(m)}"),
    (re.compile(r"^(?P<detector>\S+) returned nothing instead of a list$"),
     "ni roddodd {detector} ddim yn lle rhestr"),
    (re.compile(r"^the output name (?P<name>.+) does not fit a (?P<fmt>\S+) file$"),
     "nid yw'r enw allbwn {name} yn addas i ffeil {fmt}"),
    (re.compile(r"^(?P<name>.+) exists and is not a file$"),
     "mae {name} yn bod ac nid ffeil yw hi"),
    (re.compile(r"^cannot write to (?P<name>.+?): (?P<why>.+)$"),
     "methu ysgrifennu i {name}: {why}"),
    (re.compile(r"^cannot write (?P<name>.+?): (?P<why>.+)$"), "methu ysgrifennu {name}: {why}"),
    (re.compile(r"^cannot create (?P<name>.+?): (?P<why>.+)$"), "methu creu {name}: {why}"),
    (re.compile(r"^the safe copy could not be read back \((?P<why>.*)\)$"),
     "methu darllen y copi diogel yn ôl ({why})"),
    # scanner.image.codec (encoding the copy)
    (re.compile(r"^internal error: pixels must be \(H, W, 3\) uint8$"),
     "gwall mewnol: rhaid i'r picseli fod yn (H, W, 3) uint8"),
    (re.compile(r"^cannot encode (?P<fmt>\S+)$"), "methu amgodio {fmt}"),
    (re.compile(r"^the encoded (?P<fmt>\S+) does not decode: (?P<why>.+)$"),
     "nid yw'r {fmt} a amgodiwyd yn datgodio: {why}"),
    (re.compile(r"^the encoded (?P<fmt>\S+) does not match the redacted picture$"),
     "nid yw'r {fmt} a amgodiwyd yn cyfateb i'r llun wedi'i guddio"),
    # scanner.pipeline.review
    (re.compile(r"^the photo changed since it was scanned$"),
     "mae'r llun wedi newid ers ei sganio"),
    # scanner.types: a box the page sent
    (re.compile(r"^a box has a non-finite coordinate: (?P<why>.+)$"),
     "mae gan flwch gyfesuryn anfeidraidd: {why}"),
    (re.compile(r"^a box is inverted: (?P<why>.+)$"), "mae blwch wyneb i waered: {why}"),
    # scanner.web.app: what the review page's server answers
    (re.compile(r"^this review session has ended; reload the page$"),
     "mae'r sesiwn adolygu hon wedi dod i ben; ail-lwythwch y dudalen"),
    (re.compile(r"^the server is not running$"), "nid yw'r gweinydd yn rhedeg"),
    (re.compile(r"^no such photo$"), "does dim llun o'r fath"),
    (re.compile(r"^at most (?P<n>\d+) photos per session$"),
     "dim mwy na {n} llun ym mhob sesiwn"),
    (re.compile(r"^too many photos with the same name$"),
     "gormod o luniau â'r un enw"),
    (re.compile(r"^too many decisions$"), "gormod o benderfyniadau"),
    (re.compile(r"^decisions must be JSON$"), "rhaid i'r penderfyniadau fod yn JSON"),
    (re.compile(r"^decisions must be an object$"), "rhaid i'r penderfyniadau fod yn wrthrych"),
    (re.compile(r"^keep and hide must list finding ids$"),
     "rhaid i 'keep' a 'hide' restru rhifau canfyddiadau"),
    (re.compile(r"^boxes must be a list of at most (?P<n>\d+)$"),
     "rhaid i'r blychau fod yn rhestr o {n} ar y mwyaf"),
    (re.compile(r"^each box must be \[x1, y1, x2, y2\]$"),
     "rhaid i bob blwch fod yn [x1, y1, x2, y2]"),
    (re.compile(r"^face_style must be mosaic, blur or fill$"),
     "rhaid i face_style fod yn mosaic, blur neu fill"),
    (re.compile(r"^a point must be two numbers inside the photo$"),
     "rhaid i bwynt fod yn ddau rif y tu mewn i'r llun"),
    (re.compile(r"^this photo was not processed$"), "ni chafodd y llun hwn ei brosesu"),
    (re.compile(r"^no safe copy can be made$"), "does dim modd gwneud copi diogel"),
    (re.compile(r"^no safe copy was made$"), "ni wnaed copi diogel"),
    (re.compile(r"^not found$"), "heb ei ganfod"),
    (re.compile(r"^this page only answers on 127\.0\.0\.1$"),
     "dim ond ar 127.0.0.1 mae'r dudalen hon yn ateb"),
    (re.compile(r"^requests from other sites are refused$"),
     "mae ceisiadau o wefannau eraill yn cael eu gwrthod"),
    (re.compile(r"^requests without an Origin are refused$"),
     "mae ceisiadau heb Origin yn cael eu gwrthod"),
    # scanner.types: a shape the page could never send, but a result could carry
    (re.compile(r"^a shape needs at least 3 points, not (?P<n>\d+)$"),
     "mae angen o leiaf 3 phwynt ar siâp, nid {n}"),
    (re.compile(r"^a shape has an invalid point (?P<why>.+)$"),
     "mae gan siâp bwynt annilys {why}"),
    # scanner.video
    (re.compile(r"^the video cannot be read: (?P<why>.+)$"), "methu darllen y fideo: {why}"),
    (re.compile(r"^the video cannot be read \(damaged or cut short\?\): (?P<why>.+)$"),
     "methu darllen y fideo (wedi'i ddifrodi neu ei dorri'n fyr?): {why}"),
    (re.compile(r"^the video file is empty \(0 bytes\)$"), "mae ffeil y fideo yn wag (0 beit)"),
    (re.compile(r"^the file has no video stream \(it holds (?P<kinds>.+)\)$"),
     "nid oes ffrwd fideo yn y ffeil (mae'n dal {kinds})"),
    (re.compile(r"^the video is (?P<w>\d+)x(?P<h>\d+) pixels a frame, over the limit of "
                r"(?P<n>[\d,]+)$"),
     "mae'r fideo yn {w}x{h} picsel y ffrâm, dros y terfyn o {n}"),
    (re.compile(r"^the video lasts (?P<d>[\d.]+) s, over the limit of (?P<n>[\d.]+) s$"),
     "mae'r fideo yn para {d} eiliad, dros y terfyn o {n} eiliad"),
    (re.compile(r"^the video has no frame that decodes$"),
     "nid oes ffrâm yn y fideo y gellir ei datgodio"),
    (re.compile(r"^the video is truncated: its index needs (?P<a>[\d,]+) bytes, the file has "
                r"(?P<b>[\d,]+)$"),
     "mae'r fideo wedi'i dorri'n fyr: mae ei fynegai angen {a} beit, mae gan y ffeil {b}"),
    (re.compile(r"^the video is truncated: (?P<a>\d+) of (?P<b>\d+) frames decode$"),
     "mae'r fideo wedi'i dorri'n fyr: {a} o {b} ffrâm sy'n datgodio"),
    (re.compile(r"^the video is rotated by (?P<d>\S+) degrees \(not a quarter turn\)$"),
     "mae'r fideo wedi'i droi {d} gradd (nid chwarter tro)"),
    (re.compile(r"^frame (?P<n>\d+) of the video does not decode: (?P<why>.+)$"),
     "nid yw ffrâm {n} o'r fideo yn datgodio: {why}"),
    (re.compile(r"^the video took longer than its limit of (?P<n>[\d.]+) s; no safe copy was "
                r"made$"),
     "cymerodd y fideo fwy na'i derfyn o {n} eiliad" + _NO_COPY_CY),
    (re.compile(r"^the video changed while it was read(?: \((?P<a>\d+) frames written, "
                r"(?P<b>\d+) read\))?; no safe copy was made$"),
     lambda m: "newidiodd y fideo wrth ei ddarllen" + (
         f" ({m['a']} ffrâm wedi'u hysgrifennu, {m['b']} wedi'u darllen)" if m["a"] else "")
     + _NO_COPY_CY),
    (re.compile(r"^frame (?P<n>\d+): (?P<k>\d+) redaction\(s\) \((?P<kinds>[a-z, ]+)\) left "
                r"the pixels unchanged; no safe copy was made$"),
     lambda m: (f"ffrâm {m['n']}: gadawodd {m['k']} cuddiad ("
                + ", ".join(_KIND_CY.get(k, k) for k in m["kinds"].split(", "))
                + ") y picseli heb eu newid" + _NO_COPY_CY)),
    (re.compile(r"^verification failed at (?P<t>[\d.]+) s: (?P<kinds>[a-z, ]+) still "
                r"detectable inside a hidden area; no safe copy was made$"),
     lambda m: (f"methodd y gwirio ar {m['t']} eiliad: mae "
                + ", ".join(_KIND_CY.get(k, k) for k in m["kinds"].split(", "))
                + " yn dal i'w gweld mewn ardal a guddiwyd" + _NO_COPY_CY)),
    (re.compile(r"^cannot encode (?P<name>.+?): (?P<why>.+)$"), "methu amgodio {name}: {why}"),
    (re.compile(r"^the video has no frames to write$"),
     "nid oes gan y fideo fframiau i'w hysgrifennu"),
    (re.compile(r"^frame (?P<n>\d+) is (?P<got>.+), not (?P<want>.+)$"),
     "mae ffrâm {n} yn {got}, nid {want}"),
    (re.compile(r"^the video has no sound to keep$"), "nid oes sain yn y fideo i'w chadw"),
    # any other reason the copy was not made: the reason itself, then the outcome
    (re.compile(r"^(?P<why>.+); no safe copy was made$"),
     lambda m: _nested(m) + _NO_COPY_CY),
]


def _reason_cy(error: str) -> str:
    for pattern, words in _REASONS_CY:
        m = pattern.match(error)
        if m is None:
            continue
        if callable(words):
            return words(m)
        return words.format(**m.groupdict())
    raise KeyError(error)


def reason_words(error: str | None, lang: str = DEFAULT_LANG, *, strict: bool = False) -> str:
    """Why a photo was not processed (``ScanResult.error``) or a request refused, in ``lang``.
    The varying parts (names, numbers, system messages) are kept. Unknown reasons stay English
    unless ``strict``, which raises ``KeyError`` naming the reason."""
    if not error or lang == DEFAULT_LANG:
        return error or ""
    if lang != "cy":
        if strict:
            raise KeyError(lang)
        return error
    try:
        return _reason_cy(error)
    except KeyError:
        if strict:
            raise KeyError(error) from None
        return error
