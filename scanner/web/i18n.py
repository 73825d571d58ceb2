"""Every string of the review page, in English and Welsh (Cymraeg).

The page asks for these once (``/api/strings``) and swaps them when the person switches
language. Placeholders in braces are filled in by the page; the Welsh must keep the same ones
(tests/test_i18n.py checks). Finding kinds, verdicts and guidance come from
scanner.report.guidance, so the page and the report always say the same thing.
"""

from __future__ import annotations

LANGS = ("en", "cy")

UI: dict[str, dict[str, str]] = {
    "en": {
        "title": "PostSafe: check photos before posting",
        "skip": "Skip to the main content",
        "lang.label": "Language",
        "lang.changed": "Language changed to English.",
        "heading": "Check photos before you post them",
        "intro": (
            "PostSafe rebuilds each photo without hidden data and hides faces, documents, "
            "screens, text and codes. Everything stays on this computer: nothing is uploaded "
            "to the internet."
        ),
        "add.heading": "1. Add photos",
        "add.drop": "Drag photos or a whole folder here",
        "add.or": "or",
        "add.files": "Choose photos",
        "add.folder": "Choose a folder",
        "add.limits": "Photos are checked one by one as they arrive.",
        "photos.heading": "2. Your photos",
        "dl.heading": "3. Download safe copies",
        "dl.hint": (
            "Downloads are made again from your decisions and checked before they are saved. "
            "They carry no hidden data."
        ),
        "dl.zip": "Download all (zip with report)",
        "dl.html": "Report (HTML)",
        "dl.json": "Report (JSON)",
        "dl.clear": "Remove all photos",
        "dl.one": "Download this photo",
        "photo.remove": "Remove",
        "photo.remove.label": "Remove {name}",
        "photo.removed": "{name} was removed and deleted from this computer's temporary folder.",
        "review.heading": "Review",
        "view.original": "Original",
        "view.original.note": "(for your review only: never saved or shared)",
        "view.original.alt": "The original photo {name}, with what PostSafe found outlined.",
        "view.safe": "Safe copy",
        "view.safe.note": "(what will be saved)",
        "view.safe.alt": "The safe copy of {name}, as it will be saved.",
        "safe.updating": "Updating the safe copy\u2026",
        "safe.ready": "The safe copy is up to date.",
        "safe.failed": "No safe copy can be made of this photo.",
        "draw.toggle": "Draw a box on the picture",
        "draw.hint": (
            "Turn on drawing, then drag over anything else that must be hidden. You can also "
            "type a box below."
        ),
        "findings.legend": "What PostSafe found",
        "findings.hint": (
            "Ticked items will be hidden. Untick one to keep it visible, for example a "
            "colleague who has agreed."
        ),
        "findings.none": "Nothing was found to hide.",
        "kept": "kept",
        "overlay.label": "{n} things found and {b} boxes you added, outlined on the photo.",
        "style.legend": "How faces are hidden",
        "style.mosaic": "Mosaic",
        "style.blur": "Blur",
        "style.fill": "Solid fill",
        "box.legend": "Add a box by numbers",
        "box.size": "The photo is {w} pixels wide and {h} pixels high.",
        "box.x": "From left",
        "box.y": "From top",
        "box.w": "Width",
        "box.h": "Height",
        "box.add": "Add box",
        "box.invalid": (
            "Enter whole numbers: the box must be at least 2 pixels wide and high and fit "
            "inside the photo ({w} \u00d7 {h})."
        ),
        "boxes.heading": "Boxes you added",
        "boxes.none": "None yet.",
        "boxes.item": "Box {n}: {w} \u00d7 {h} pixels, {x} from left, {y} from top",
        "boxes.short": "Box {n}",
        "boxes.remove": "Remove",
        "boxes.remove.label": "Remove box {n}",
        "boxes.added": "Box added. It will be filled in the safe copy.",
        "decisions.saved": "Your choice is saved. The safe copy is being updated.",
        "metadata.heading": "Hidden data that will be removed",
        "metadata.none": "None was found. The copy is still rebuilt from the pixels.",
        "guidance.heading": "What this means for you",
        "progress.checking": "Checking photo {n} of {total}: {name}",
        "progress.done": "{n} of {total} photos ready to review.",
        "status.waiting": "Waiting",
        "status.checking": "Checking\u2026",
        "status.error": "Not processed",
        "status.skipped": "Skipped: not a photo",
        "status.hidden": "{n} to hide",
        "status.clean": "Nothing to hide",
        "error.too_big": "This file is too big to check.",
        "cleared": "All photos were removed from this computer's temporary folder.",
        "footer": (
            "PostSafe runs on this computer only. Close this page to delete the photos it "
            "holds."
        ),
    },
    "cy": {
        "title": "PostSafe: gwirio lluniau cyn eu postio",
        "skip": "Neidio i'r prif gynnwys",
        "lang.label": "Iaith",
        "lang.changed": "Mae'r iaith wedi newid i'r Gymraeg.",
        "heading": "Gwiriwch luniau cyn eu postio",
        "intro": (
            "Mae PostSafe yn ail-greu pob llun heb ddata cudd ac yn cuddio wynebau, dogfennau, "
            "sgriniau, testun a chodau. Mae popeth yn aros ar y cyfrifiadur hwn: does dim yn "
            "cael ei uwchlwytho i'r rhyngrwyd."
        ),
        "add.heading": "1. Ychwanegu lluniau",
        "add.drop": "Llusgwch luniau neu ffolder gyfan yma",
        "add.or": "neu",
        "add.files": "Dewis lluniau",
        "add.folder": "Dewis ffolder",
        "add.limits": "Mae'r lluniau'n cael eu gwirio fesul un wrth iddyn nhw gyrraedd.",
        "photos.heading": "2. Eich lluniau",
        "dl.heading": "3. Lawrlwytho copïau diogel",
        "dl.hint": (
            "Mae'r lawrlwythiadau'n cael eu gwneud eto o'ch penderfyniadau ac yn cael eu "
            "gwirio cyn eu cadw. Does dim data cudd ynddyn nhw."
        ),
        "dl.zip": "Lawrlwytho'r cyfan (zip gydag adroddiad)",
        "dl.html": "Adroddiad (HTML)",
        "dl.json": "Adroddiad (JSON)",
        "dl.clear": "Tynnu pob llun",
        "dl.one": "Lawrlwytho'r llun hwn",
        "photo.remove": "Tynnu",
        "photo.remove.label": "Tynnu {name}",
        "photo.removed": "Cafodd {name} ei dynnu a'i ddileu o ffolder dros dro'r cyfrifiadur hwn.",
        "review.heading": "Adolygu",
        "view.original": "Gwreiddiol",
        "view.original.note": "(i chi ei adolygu yn unig: ni chaiff ei gadw na'i rannu byth)",
        "view.original.alt": (
            "Y llun gwreiddiol {name}, gyda'r hyn a ganfu PostSafe wedi'i amlinellu."
        ),
        "view.safe": "Copi diogel",
        "view.safe.note": "(yr hyn a gaiff ei gadw)",
        "view.safe.alt": "Y copi diogel o {name}, fel y caiff ei gadw.",
        "safe.updating": "Wrthi'n diweddaru'r copi diogel\u2026",
        "safe.ready": "Mae'r copi diogel yn gyfredol.",
        "safe.failed": "Does dim modd gwneud copi diogel o'r llun hwn.",
        "draw.toggle": "Tynnu blwch ar y llun",
        "draw.hint": (
            "Trowch y tynnu ymlaen, yna llusgwch dros unrhyw beth arall sydd angen ei guddio. "
            "Gallwch hefyd deipio blwch isod."
        ),
        "findings.legend": "Beth a ganfu PostSafe",
        "findings.hint": (
            "Bydd yr eitemau sydd wedi'u ticio'n cael eu cuddio. Dad-diciwch un i'w gadw yn y "
            "golwg, er enghraifft cydweithiwr sydd wedi cytuno."
        ),
        "findings.none": "Ni chanfuwyd dim i'w guddio.",
        "kept": "wedi'i gadw",
        "overlay.label": (
            "{n} peth a ganfuwyd a {b} blwch a ychwanegoch chi, wedi'u hamlinellu ar y llun."
        ),
        "style.legend": "Sut mae wynebau'n cael eu cuddio",
        "style.mosaic": "Mosaig",
        "style.blur": "Niwlio",
        "style.fill": "Llenwi'n solet",
        "box.legend": "Ychwanegu blwch drwy rifau",
        "box.size": "Mae'r llun yn {w} picsel o led a {h} picsel o uchder.",
        "box.x": "O'r chwith",
        "box.y": "O'r brig",
        "box.w": "Lled",
        "box.h": "Uchder",
        "box.add": "Ychwanegu blwch",
        "box.invalid": (
            "Rhowch rifau cyfan: rhaid i'r blwch fod o leiaf 2 bicsel o led ac o uchder, a "
            "ffitio y tu mewn i'r llun ({w} \u00d7 {h})."
        ),
        "boxes.heading": "Blychau a ychwanegoch chi",
        "boxes.none": "Dim un eto.",
        "boxes.item": "Blwch {n}: {w} \u00d7 {h} picsel, {x} o'r chwith, {y} o'r brig",
        "boxes.short": "Blwch {n}",
        "boxes.remove": "Tynnu",
        "boxes.remove.label": "Tynnu blwch {n}",
        "boxes.added": "Ychwanegwyd y blwch. Bydd yn cael ei lenwi yn y copi diogel.",
        "decisions.saved": "Mae'ch dewis wedi'i gadw. Mae'r copi diogel yn cael ei ddiweddaru.",
        "metadata.heading": "Data cudd a fydd yn cael ei dynnu",
        "metadata.none": (
            "Ni chanfuwyd dim. Mae'r copi'n dal i gael ei ail-greu o'r picseli."
        ),
        "guidance.heading": "Beth mae hyn yn ei olygu i chi",
        "progress.checking": "Wrthi'n gwirio llun {n} o {total}: {name}",
        "progress.done": "Mae {n} o {total} llun yn barod i'w hadolygu.",
        "status.waiting": "Yn aros",
        "status.checking": "Wrthi'n gwirio\u2026",
        "status.error": "Heb ei brosesu",
        "status.skipped": "Wedi'i hepgor: nid llun yw hwn",
        "status.hidden": "{n} i'w cuddio",
        "status.clean": "Dim i'w guddio",
        "error.too_big": "Mae'r ffeil hon yn rhy fawr i'w gwirio.",
        "cleared": "Cafodd pob llun ei dynnu o ffolder dros dro'r cyfrifiadur hwn.",
        "footer": (
            "Mae PostSafe yn rhedeg ar y cyfrifiadur hwn yn unig. Caewch y dudalen hon i ddileu'r "
            "lluniau sydd ganddi."
        ),
    },
}
