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
            "screens, text and codes. Everything stays on this computer: nothing is uploaded to "
            "the internet."
        ),
        "add.heading": "1. Add photos",
        "add.drop": "Drag photos or a whole folder here",
        "add.or": "or",
        "add.files": "Choose photos",
        "add.folder": "Choose a folder",
        "add.limits": "Photos are checked one by one as they arrive.",
        "photos.heading": "2. Your photos",
        "dl.heading": "4. Download safe copies",
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
        "review.heading": "3. Check",
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
        "draw.hint": "Turn on drawing, then drag over anything else that must be hidden.",
        "findings.legend": "What PostSafe found",
        "findings.hint": (
            "Each number is marked on the photo. Ticked items will be hidden. Untick one to keep "
            "it visible, for example a colleague who has agreed."
        ),
        "findings.none": "Nothing was found to hide.",
        "overlay.label": "{n} things found and {b} boxes you added, outlined on the photo.",
        "style.legend": "How faces are hidden",
        "style.mosaic": "Mosaic",
        "style.blur": "Blur",
        "style.fill": "Solid fill",
        "box.legend": "Add a box by typing numbers (for keyboard users)",
        "box.size": "The photo is {w} pixels wide and {h} pixels high.",
        "box.x": "From left",
        "box.y": "From top",
        "box.w": "Width",
        "box.h": "Height",
        "box.add": "Add box",
        "box.invalid": (
            "Enter whole numbers: the box must be at least 2 pixels wide and high and fit inside "
            "the photo ({w} \u00d7 {h})."
        ),
        "boxes.heading": "Boxes you added",
        "boxes.none": "None yet.",
        "boxes.item": "Box {n}: {w} \u00d7 {h} pixels, {x} from left, {y} from top",
        "boxes.badge": "B{n}",
        "boxes.remove": "Remove",
        "boxes.remove.label": "Remove box {n}",
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
            "PostSafe runs on this computer only. Close this page to delete the photos it holds."
        ),
        "finding.name": "{label}, {state}",
        "state.auto_hidden": "hidden by PostSafe",
        "state.user_hidden": "hidden by you",
        "state.user_kept": "kept by you",
        "state.auto_kept": "left visible by PostSafe",
        "state.flagged": "for you to check",
        "verdict.auto_hidden": "PostSafe hid {items}.",
        "verdict.user_hidden": "You hid {items}.",
        "verdict.user_kept": "You kept {items}.",
        "verdict.flagged": "PostSafe flagged {items} for you to check.",
        "verdict.auto_kept": "PostSafe left {items} visible, as it is set up to.",
        "verdict.boxes.one": "You added {n} area to hide.",
        "verdict.boxes.other": "You added {n} areas to hide.",
        "verdict.nothing": "PostSafe found nothing to hide.",
        "verdict.location": "Location data will be removed.",
        "verdict.check": "Look at the safe copy before you post it.",
        "verdict.error": "Not processed: {reason}. No safe copy was made.",
        "verdict.error.unknown": "an unexpected problem",
        "verdict.skipped": "Skipped: {reason}.",
        "verdict.skipped.default": "not an image",
        "safe.saving": "Saving your choice and updating the safe copy\u2026",
        "safe.saved": "Your choice is saved. The safe copy is up to date.",
        "safe.not_saved": "Your choice was not saved: {reason}.",
        "spot.hint": (
            "Tap or click anything on the original that must be hidden: PostSafe offers to hide "
            "what it sees there."
        ),
        "spot.looking": "Looking at that spot\u2026",
        "spot.text": "A line of text",
        "spot.area": "An area about the size of a face",
        "spot.already": "{name}. It is already hidden.",
        "spot.hide": "Hide this",
        "spot.cancel": "Cancel",
        "photo.unviewed": "not checked yet",
        "confirm.heading": "Some photos have not been checked",
        "confirm.body": (
            "PostSafe found things in these photos, and you have not opened their review yet:"
        ),
        "confirm.check": "Check them first",
        "confirm.download": "Download anyway",
        "error.failed": "This photo could not be checked: {reason}.",
        "error.network": "the page could not reach PostSafe",
        # video clips
        "add.videos": "Short videos (MP4, MOV) work too: each takes a while to check.",
        "progress.checking_video": "Checking video {n} of {total}: {name}. Videos take a while.",
        "photo.video": "Video, {s} s",
        "findings.hint.video": (
            "Each number is outlined on the frames. Ticked items are hidden in every frame they "
            "appear in, not only the frames shown. Untick one to keep it visible, for example a "
            "colleague who has agreed."
        ),
        "track.span": "In the video from {from} s to {to} s",
        "track.cannot_hide": (
            "Left visible: this page cannot hide it in a video. If it must not be seen, do not "
            "post this video."
        ),
        "clip.frames": "Frames from the original",
        "clip.frame.alt": "The original video {name} at {s} s, with what PostSafe found outlined.",
        "clip.time": "{s} s",
        "clip.enlarge": "Select a frame to see it larger; select it again to make it smaller.",
        "clip.hint": (
            "The safe copy is made when you download it: PostSafe hides every frame, then checks "
            "the copy again. This takes a while, often a few seconds for each second of video."
        ),
        "dl.clip": "Download this video",
        "clip.making": "Making the safe copy of the video\u2026",
        "clip.progress.hide": "Making the safe copy: {n} of {total} frames hidden\u2026",
        "clip.progress.check": "Checking the safe copy again: frame {n} of {total}\u2026",
        "clip.ready": "The safe copy of the video is made and downloading.",
        "clip.failed": "No safe copy of the video was made: {reason}.",
        "clip.saving": "Saving your choice\u2026",
        "clip.saved": "Your choice is saved. It is used when you download the video.",
        # the review page's own refusals (scanner/web/app.py finds them again by their wording)
        "reason.video_too_big": "the file is over the {limit} MB limit for one video",
        "reason.video_only_keep": "on a video, only what PostSafe hides can be unticked",
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
        "dl.heading": "4. Lawrlwytho copïau diogel",
        "dl.hint": (
            "Mae'r lawrlwythiadau'n cael eu gwneud eto o'ch penderfyniadau ac yn cael eu gwirio "
            "cyn eu cadw. Does dim data cudd ynddyn nhw."
        ),
        "dl.zip": "Lawrlwytho'r cyfan (zip gydag adroddiad)",
        "dl.html": "Adroddiad (HTML)",
        "dl.json": "Adroddiad (JSON)",
        "dl.clear": "Tynnu pob llun",
        "dl.one": "Lawrlwytho'r llun hwn",
        "photo.remove": "Tynnu",
        "photo.remove.label": "Tynnu {name}",
        "photo.removed": "Cafodd {name} ei dynnu a'i ddileu o ffolder dros dro'r cyfrifiadur hwn.",
        "review.heading": "3. Gwirio",
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
        "draw.toggle": "Lluniadu blwch ar y llun",
        "draw.hint": (
            "Trowch y lluniadu ymlaen, yna llusgwch dros unrhyw beth arall sydd angen ei guddio."
        ),
        "findings.legend": "Beth a ganfu PostSafe",
        "findings.hint": (
            "Mae pob rhif wedi'i farcio ar y llun. Bydd yr eitemau sydd wedi'u ticio'n cael eu "
            "cuddio. Dad-diciwch un i'w gadw yn y golwg, er enghraifft cydweithiwr sydd wedi "
            "cytuno."
        ),
        "findings.none": "Ni chanfuwyd dim i'w guddio.",
        "overlay.label": (
            "{n} peth a ganfuwyd a {b} blwch a ychwanegoch chi, wedi'u hamlinellu ar y llun."
        ),
        "style.legend": "Sut mae wynebau'n cael eu cuddio",
        "style.mosaic": "Mosaig",
        "style.blur": "Niwlio",
        "style.fill": "Llenwi'n solet",
        "box.legend": "Ychwanegu blwch drwy deipio rhifau (i ddefnyddwyr bysellfwrdd)",
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
        "boxes.badge": "B{n}",
        "boxes.remove": "Tynnu",
        "boxes.remove.label": "Tynnu blwch {n}",
        "metadata.heading": "Data cudd a fydd yn cael ei dynnu",
        "metadata.none": "Ni chanfuwyd dim. Mae'r copi'n dal i gael ei ail-greu o'r picseli.",
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
            "Mae PostSafe yn rhedeg ar y cyfrifiadur hwn yn unig. Caewch y dudalen hon i "
            "ddileu'r lluniau sydd ganddi."
        ),
        "finding.name": "{label}, {state}",
        "state.auto_hidden": "wedi'i guddio gan PostSafe",
        "state.user_hidden": "wedi'i guddio gennych chi",
        "state.user_kept": "wedi'i gadw gennych chi",
        "state.auto_kept": "wedi'i adael yn y golwg gan PostSafe",
        "state.flagged": "i chi ei wirio",
        "verdict.auto_hidden": "Cuddiodd PostSafe {items}.",
        "verdict.user_hidden": "Cuddioch chi {items}.",
        "verdict.user_kept": "Cadwoch chi {items}.",
        "verdict.flagged": "Nododd PostSafe {items} i chi eu gwirio.",
        "verdict.auto_kept": "Gadawodd PostSafe {items} yn y golwg, fel y mae wedi'i osod.",
        "verdict.boxes.one": "Ychwanegoch chi {n} ardal i'w chuddio.",
        "verdict.boxes.other": "Ychwanegoch chi {n} ardal i'w cuddio.",
        "verdict.nothing": "Ni chanfu PostSafe ddim i'w guddio.",
        "verdict.location": "Bydd data lleoliad yn cael ei ddileu.",
        "verdict.check": "Edrychwch ar y copi diogel cyn ei bostio.",
        "verdict.error": "Heb ei brosesu: {reason}. Ni wnaed copi diogel.",
        "verdict.error.unknown": "problem annisgwyl",
        "verdict.skipped": "Wedi'i hepgor: {reason}.",
        "verdict.skipped.default": "nid yw'n ddelwedd",
        "safe.saving": "Wrthi'n cadw'ch dewis a diweddaru'r copi diogel\u2026",
        "safe.saved": "Mae'ch dewis wedi'i gadw. Mae'r copi diogel yn gyfredol.",
        "safe.not_saved": "Ni chafodd eich dewis ei gadw: {reason}.",
        "spot.hint": (
            "Tapiwch neu cliciwch ar unrhyw beth ar y gwreiddiol sydd angen ei guddio: mae "
            "PostSafe yn cynnig cuddio'r hyn mae'n ei weld yno."
        ),
        "spot.looking": "Wrthi'n edrych ar y man hwnnw\u2026",
        "spot.text": "Llinell o destun",
        "spot.area": "Ardal tua maint wyneb",
        "spot.already": "{name}. Mae wedi'i guddio'n barod.",
        "spot.hide": "Cuddio hwn",
        "spot.cancel": "Canslo",
        "photo.unviewed": "heb ei wirio eto",
        "confirm.heading": "Mae rhai lluniau heb eu gwirio",
        "confirm.body": (
            "Canfu PostSafe bethau yn y lluniau hyn, a dydych chi ddim wedi agor eu hadolygiad "
            "eto:"
        ),
        "confirm.check": "Eu gwirio nhw'n gyntaf",
        "confirm.download": "Lawrlwytho beth bynnag",
        "error.failed": "Does dim modd gwirio'r llun hwn: {reason}.",
        "error.network": "doedd y dudalen ddim yn gallu cyrraedd PostSafe",
        # video clips
        "add.videos": (
            "Mae fideos byr (MP4, MOV) yn gweithio hefyd: mae pob un yn cymryd tipyn o amser i'w "
            "wirio."
        ),
        "progress.checking_video": (
            "Wrthi'n gwirio fideo {n} o {total}: {name}. Mae fideos yn cymryd tipyn o amser."
        ),
        "photo.video": "Fideo, {s} eiliad",
        "findings.hint.video": (
            "Mae pob rhif wedi'i amlinellu ar y fframiau. Bydd yr eitemau sydd wedi'u ticio'n cael "
            "eu cuddio ym mhob ffrâm lle maen nhw'n ymddangos, nid dim ond yn y fframiau a "
            "ddangosir. Dad-diciwch un i'w gadw yn y golwg, er enghraifft cydweithiwr sydd wedi "
            "cytuno."
        ),
        "track.span": "Yn y fideo o {from} eiliad i {to} eiliad",
        "track.cannot_hide": (
            "Wedi'i adael yn y golwg: does dim modd i'r dudalen hon ei guddio mewn fideo. Os na "
            "ddylai gael ei weld, peidiwch â phostio'r fideo hwn."
        ),
        "clip.frames": "Fframiau o'r gwreiddiol",
        "clip.frame.alt": (
            "Y fideo gwreiddiol {name} ar {s} eiliad, gyda'r hyn a ganfu PostSafe wedi'i "
            "amlinellu."
        ),
        "clip.time": "{s} eiliad",
        "clip.enlarge": "Dewiswch ffrâm i'w gweld yn fwy; dewiswch hi eto i'w gwneud yn llai.",
        "clip.hint": (
            "Caiff y copi diogel ei wneud pan fyddwch chi'n ei lawrlwytho: mae PostSafe yn cuddio "
            "pob ffrâm, yna'n gwirio'r copi eto. Mae hyn yn cymryd tipyn o amser, yn aml ychydig "
            "eiliadau am bob eiliad o fideo."
        ),
        "dl.clip": "Lawrlwytho'r fideo hwn",
        "clip.making": "Wrthi'n gwneud copi diogel o'r fideo\u2026",
        "clip.progress.hide": (
            "Wrthi'n gwneud y copi diogel: {n} o {total} ffrâm wedi'u cuddio\u2026"
        ),
        "clip.progress.check": "Wrthi'n gwirio'r copi diogel eto: ffrâm {n} o {total}\u2026",
        "clip.ready": "Mae copi diogel y fideo wedi'i wneud ac yn cael ei lawrlwytho.",
        "clip.failed": "Ni wnaed copi diogel o'r fideo: {reason}.",
        "clip.saving": "Wrthi'n cadw'ch dewis\u2026",
        "clip.saved": (
            "Mae'ch dewis wedi'i gadw. Caiff ei ddefnyddio pan fyddwch chi'n lawrlwytho'r fideo."
        ),
        "reason.video_too_big": "mae'r ffeil dros y terfyn o {limit} MB ar gyfer un fideo",
        "reason.video_only_keep": (
            "ar fideo, dim ond yr hyn mae PostSafe yn ei guddio y gellir ei ddad-dicio"
        ),
    },
}
