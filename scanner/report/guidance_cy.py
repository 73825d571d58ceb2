"""Welsh (Cymraeg) for every message in :data:`scanner.report.guidance.MESSAGES`.

Plain, friendly Welsh for care workers. Placeholders (``{n}``, ``{items}``...) are the same as in
English; tests/test_i18n.py checks that every English key has a Welsh one with the same
placeholders. Numbers are written as digits, so nouns after them stay in the singular and
unmutated ("3 wyneb"), which reads naturally on screen.
"""

from __future__ import annotations

MESSAGES_CY: dict[str, str] = {
    # --- list joining -------------------------------------------------------------------
    "list.sep": ", ",
    "list.and": " a ",
    # --- kinds: short labels --------------------------------------------------------------
    "kind.face": "Wyneb",
    "kind.person": "Person",
    "kind.document": "Dogfen",
    "kind.screen": "Sgrin",
    "kind.text": "Testun",
    "kind.code": "Cod QR neu god bar",
    "kind.manual": "Ardal a ychwanegoch chi",
    # --- kinds: counted nouns -------------------------------------------------------------
    "noun.face.one": "{n} wyneb",
    "noun.face.other": "{n} wyneb",
    "noun.person.one": "{n} person",
    "noun.person.other": "{n} person",
    "noun.document.one": "{n} ddogfen",
    "noun.document.other": "{n} dogfen",
    "noun.screen.one": "{n} sgrin",
    "noun.screen.other": "{n} sgrin",
    "noun.text.one": "{n} darn o destun",
    "noun.text.other": "{n} darn o destun",
    "noun.code.one": "{n} cod QR neu god bar",
    "noun.code.other": "{n} cod QR neu god bar",
    "noun.manual.one": "{n} ardal a ychwanegoch chi",
    "noun.manual.other": "{n} ardal a ychwanegoch chi",
    # --- actions --------------------------------------------------------------------------
    "action.mosaic": "Mosaig",
    "action.blur": "Niwlio",
    "action.fill": "Llenwi",
    "action.kept": "Wedi'i gadw",
    "action.flagged": "Wedi'i nodi",
    "action.none": "Heb benderfynu",
    # --- statuses -------------------------------------------------------------------------
    "status.clean": "Glân",
    "status.redacted": "Rhannau wedi'u cuddio",
    "status.error": "Heb ei brosesu",
    "status.skipped": "Wedi'i hepgor",
    # --- verdicts -------------------------------------------------------------------------
    "verdict.clean": (
        "Diogel i'w rannu: ni chafwyd hyd i wynebau, dogfennau na data lleoliad, "
        "a chafodd metadata cudd ei dynnu."
    ),
    "verdict.clean.location": (
        "Diogel i'w rannu: ni chafwyd hyd i wynebau na dogfennau, "
        "a chafodd data lleoliad a metadata cudd arall eu tynnu."
    ),
    "verdict.clean.review": "Gwiriwch cyn postio: ni chuddiwyd dim, ond {parts}.",
    "verdict.redacted": (
        "Gwnaed copi gyda rhannau wedi'u cuddio: {parts}. Gwiriwch ef cyn postio."
    ),
    "verdict.unverified": (
        "Gwiriwch cyn postio: ni allai PostSafe gadarnhau nad oes metadata cudd yn y copi."
    ),
    "verdict.error": "Heb ei brosesu: {reason}. Ni wnaed copi diogel.",
    "verdict.error.unknown": "problem annisgwyl",
    "verdict.skipped": "Wedi'i hepgor: {reason}.",
    "verdict.skipped.default": "nid yw'n ddelwedd",
    "verdict.part.hidden.one": "cuddiwyd {items}",
    "verdict.part.hidden.other": "cuddiwyd {items}",
    "verdict.part.location": "dilëwyd data lleoliad",
    "verdict.part.metadata": "dilëwyd metadata cudd",
    # --- guidance paragraphs --------------------------------------------------------------
    "guide.error": (
        "Ni wnaed copi diogel. Peidiwch â phostio'r ffeil wreiddiol: gall fod data cudd "
        "ynddi o hyd, fel ble y tynnwyd y llun, ac wynebau neu ddogfennau sydd heb eu cuddio."
    ),
    "guide.skipped": (
        "Ni wnaeth PostSafe wirio'r ffeil hon. Peidiwch â'i phostio oni bai eich bod yn siŵr "
        "nad yw'n dangos dim byd preifat."
    ),
    "guide.unverified": (
        "Ni allai PostSafe gadarnhau nad oes data cudd yn y copi a gadwyd. Peidiwch â'i bostio "
        "nes ei fod wedi cael ei wirio eto."
    ),
    "guide.faces": (
        "Wynebau: caniatâd ac urddas (Cod 1.4). Parchwch breifatrwydd ac urddas y bobl rydych "
        "chi'n eu cefnogi. Peidiwch byth â phostio llun o rywun rydych chi'n ei gefnogi heb ei "
        "ganiatâd gwybodus, hyd yn oed os yw ei wyneb wedi'i guddio. Gall pobl gael eu "
        "hadnabod o hyd o'u gwallt, eu dillad, tatŵs, cymhorthion symud neu eu cartref, felly "
        "edrychwch ar y llun cyfan."
    ),
    "guide.person": (
        "Cafwyd hyd i berson heb wyneb i'w weld. Gall rhywun gael ei adnabod o hyd o'i gorff, "
        "ei ddillad, tatŵs, cymhorthion symud neu'r hyn sydd o'i gwmpas. Edrychwch ar y llun a "
        "gwnewch yn siŵr na ellir adnabod neb rydych chi'n ei gefnogi (Cod 1.4)."
    ),
    "guide.person.redacted": (
        "Cafodd pobl a welwyd heb wyneb eu cuddio, fel y gofynnoch chi. Gwnewch yn siŵr na "
        "ellir adnabod neb rydych chi'n ei gefnogi o'r hyn sydd ar ôl yn y llun (Cod 1.4)."
    ),
    "guide.confidential": (
        "Gwybodaeth gyfrinachol (Cod 2.4). Peidiwch byth â datgelu gwybodaeth gyfrinachol. "
        "Gall cofnodion gofal, llythyrau, ffurflenni, siartiau meddyginiaeth, sgriniau "
        "cyfrifiaduron neu ffonau, bathodynnau enw, byrddau gwyn ac enwau ar ddrysau i gyd "
        "ddangos pwy yw rhywun. Chwyddwch y copi a gwiriwch nad oes modd darllen dim cyn "
        "postio."
    ),
    "guide.codes": (
        "Gall codau QR a chodau bar gynnwys enwau, cyfeiriadau, rhifau cofnodion neu ddolenni "
        "i wybodaeth breifat, hyd yn oed pan nad ydyn nhw'n edrych fel pe baen nhw'n golygu "
        "dim. Cadwch nhw wedi'u cuddio."
    ),
    "guide.location": (
        "Lleoliad: peidiwch â gadael i neb ei olrhain. Roedd data lleoliad cudd yn y llun hwn "
        "yn dangos ble y cafodd ei dynnu, ac mae PostSafe wedi'i dynnu. Gall y llun ei hun "
        "ddatgelu lle o hyd: rhifau tai, arwyddion stryd, platiau rhif ceir, gwisg ysgol neu'r "
        "olygfa drwy ffenest. Peidiwch â datgelu ble mae'r bobl rydych chi'n eu cefnogi yn "
        "byw, na ble rydych chi ar hyn o bryd."
    ),
    "guide.kept": (
        "Mae rhai pethau y daeth PostSafe o hyd iddyn nhw wedi'u gadael yn y golwg yn fwriadol "
        "(gan eich gosodiadau neu gan adolygydd). Gwnewch yn siŵr bod gennych ganiatâd, ac nad "
        "oes dim byd cyfrinachol i'w weld, cyn postio."
    ),
    "guide.flagged": (
        "Ni newidiwyd yr eitemau a nodwyd. Edrychwch ar bob un yn y rhagolwg a phenderfynwch a "
        "oes rhaid ei guddio cyn postio."
    ),
    "guide.source": (
        "Cyngor yn seiliedig ar God Ymarfer Proffesiynol Gofal Cymdeithasol Cymru ar gyfer "
        "Gofal Cymdeithasol a chanllawiau Gofal Cymdeithasol Cymru \u2018Defnyddio cyfryngau "
        "cymdeithasol yn gyfrifol\u2019."
    ),
    # --- HTML report ----------------------------------------------------------------------
    # --- who decided ----------------------------------------------------------------------
    "verdict.part.hidden.user.one": "cuddiwyd {items} gennych chi",
    "verdict.part.hidden.user.other": "cuddiwyd {items} gennych chi",
    "verdict.part.kept.user.one": "cadwyd {items} yn y golwg gennych chi",
    "verdict.part.kept.user.other": "cadwyd {items} yn y golwg gennych chi",
    "verdict.part.kept.auto.one": "gadawyd {items} yn y golwg gan eich gosodiadau",
    "verdict.part.kept.auto.other": "gadawyd {items} yn y golwg gan eich gosodiadau",
    "verdict.part.flagged.one": "nododd PostSafe {items} i chi ei wirio",
    "verdict.part.flagged.other": "nododd PostSafe {items} i chi eu gwirio",
    "act.hidden.auto": "wedi'i guddio gan PostSafe ({style})",
    "act.hidden.user": "wedi'i guddio gennych chi ({style})",
    "act.kept.user": "wedi'i gadw yn y golwg gennych chi",
    "act.kept.auto": "wedi'i adael yn y golwg gan eich gosodiadau",
    "act.flagged": "wedi'i nodi gan PostSafe i chi ei wirio; heb ei newid",
    "act.none": "heb benderfynu",
    "style.mosaic": "mosaig",
    "style.blur": "niwlio",
    "style.fill": "llenwi'n solet",
    # --- guidance titles -------------------------------------------------------------------
    "guide.title.error": "Pan na wnaed copi diogel",
    "guide.title.skipped": "Ffeiliau na wiriodd PostSafe",
    "guide.title.unverified": "Copïau na allai PostSafe eu cadarnhau",
    "guide.title.faces": "Wynebau: caniatâd ac urddas",
    "guide.title.person": "Pobl heb wyneb yn y golwg",
    "guide.title.person.redacted": "Pobl y gofynnoch i'w gorchuddio",
    "guide.title.confidential": "Gwybodaeth gyfrinachol",
    "guide.title.codes": "Codau QR a chodau bar",
    "guide.title.location": "Lleoliad",
    "guide.title.kept": "Pethau a adawyd yn y golwg",
    "guide.title.flagged": "Eitemau a nodwyd",
    "guide.title.video": "Fideos",
    "guide.title.audio": "Sain",
    "guide.video": (
        "Fideos: gwnaeth PostSafe MP4 newydd o luniau'r clip, felly ni ddaeth dim o ddata'r "
        "ffôn (lle, gwneuthuriad a model y ffôn, dyddiadau) gydag ef. Chwiliodd am wynebau "
        "sawl gwaith bob eiliad ac am ddogfennau, sgriniau, testun a chodau ddwywaith bob "
        "eiliad, eu dilyn rhwng pob chwiliad, a'u cuddio ym mhob ffrâm. Gwyliwch y copi cyfan "
        "cyn ei bostio: gall rhywbeth sy'n fflachio heibio gael ei golli."
    ),
    "guide.audio": (
        "Sain: fe gadwoch chi'r sain. Gall lleisiau, ac enwau a ddywedir yn uchel, adnabod y "
        "bobl rydych chi'n eu cefnogi cystal â'u hwynebau. Gwrandewch ar y clip cyfan cyn ei "
        "bostio, neu gwnewch y copi eto heb --keep-audio."
    ),
    # --- the report for people ---------------------------------------------------------
    "html.title": "Adroddiad PostSafe",
    "html.count.photos": "Lluniau",
    "html.count.clean": "Dim i'w guddio",
    "html.count.redacted": "Wedi'u cuddio",
    "html.count.error": "Wedi methu",
    "html.count.skipped": "Wedi'u hepgor",
    "html.summary.ready": "Yn barod i'w postio, ar ôl i chi edrych arnynt ({n})",
    "html.summary.look": "Angen golwg cyn postio ({n})",
    "html.summary.failed": "Dim copi diogel: wedi methu neu wedi'u hepgor ({n})",
    "html.summary.none": "Dim.",
    "html.guide.heading": "Cyn i chi bostio",
    "html.card.guides": "Beth mae hyn yn ei olygu:",
    "html.preview.open": "Agor y copi maint llawn",
    "html.original.show": "Ble mae'r gwreiddiol?",
    "html.original.link": "Agor y gwreiddiol (heb ei wneud yn ddiogel: peidiwch byth â'i bostio)",
    "html.finding.detail": "{kind} ({detail})",
    "html.summary.heading": "Crynodeb",
    "html.summary.what": (
        "Beth wnaeth PostSafe: cafodd pob llun ei ail-greu o'i bicseli, felly ni chafodd "
        "unrhyw fetadata cudd (fel lleoliad, dyddiadau neu fanylion y camera) ei gario i'r "
        "copïau. Cafodd wynebau, dogfennau, sgriniau, testun a chodau y daeth o hyd iddyn nhw "
        "eu cuddio neu eu nodi i chi eu gwirio. Digwyddodd popeth ar y ddyfais hon; ni chafodd "
        "dim ei uwchlwytho."
    ),
    "html.summary.check": (
        "Edrychwch ar bob copi eich hun bob amser cyn postio: gall PostSafe fethu pethau."
    ),
    "html.summary.empty": "Ni wiriwyd unrhyw ffeiliau.",
    "html.results.heading": "Lluniau",
    "html.preview.alt": (
        "Rhagolwg o'r copi o {name} gyda rhannau wedi'u cuddio, a {items} wedi'u hamlinellu."
    ),
    "html.preview.alt.none": "Rhagolwg o'r copi o {name}. Ni amlinellwyd dim.",
    "html.preview.caption": "Y copi a wnaeth PostSafe. Mae'r rhifau'n cyfateb i'r rhestr.",
    "html.clip.caption": "Fframiau o'r copi a wnaeth PostSafe, ar {times}.",
    "html.clip.alt": "Fframiau o gopi diogel {name}",
    "html.clip.facts": "Fideo {seconds} eiliad ({frames} ffrâm).",
    "html.clip.audio.none": "Nid oedd sain ynddo.",
    "html.clip.audio.dropped": "Gadawyd ei sain allan.",
    "html.clip.audio.kept": "Cadwyd ei sain: gwrandewch cyn postio.",
    "html.clip.checked": "Gwiriwyd {checked} ffrâm o'r copi eto.",
    "html.clip.live": "Dyma ran symudol Llun Byw (Live Photo).",
    "html.clip.span": "{what}, {first}–{last} eiliad",
    "html.preview.unreadable": "Dim rhagolwg: nid oedd modd darllen y copi.",
    "html.preview.no_output": "Dim rhagolwg: ni chofnodwyd copi ar gyfer y llun hwn.",
    "html.preview.not_made": "Dim rhagolwg: ni wnaed copi.",
    "html.findings.heading": "Beth a ganfuwyd",
    "html.findings.none": "Ni chanfuwyd dim.",
    "html.metadata.heading": "Metadata cudd a dynnwyd",
    "html.metadata.none": "Ni chanfuwyd dim. Cafodd y copi ei ail-greu o'r picseli beth bynnag.",
    "html.notes.heading": "Nodiadau",
    "html.error.heading": "Pam na chafodd ei brosesu",
    "html.guidance.heading": "Beth mae hyn yn ei olygu i chi",
    "html.footer.privacy": (
        "Mae'r adroddiad hwn yn dangos mathau a niferoedd yr hyn a ganfuwyd yn unig. Nid yw'n "
        "cynnwys unrhyw destun a ddarllenwyd o'ch lluniau, na gwerthoedd lleoliad na metadata "
        "arall."
    ),
    "html.footer.made": "Gwnaed gan PostSafe {version} ar y ddyfais hon.",
    # --- review page decisions ------------------------------------------------------------
    "html.decided.user": "eich dewis chi",
    # --- metadata categories --------------------------------------------------------------
    "meta.location": "lleoliad (GPS)",
    "meta.device": "gwneuthurwr, model a rhifau cyfresol y camera",
    "meta.times": "dyddiadau ac amseroedd",
    "meta.people": "enwau pobl (artist, perchennog, wynebau wedi'u tagio)",
    "meta.thumbnails": "mân-luniau wedi'u mewnosod ac ail ddelweddau",
    "meta.comments": "sylwadau a disgrifiadau",
    "meta.editing_history": "meddalwedd golygu a hanes golygu",
    "meta.makernotes": "nodiadau'r gwneuthurwr (data preifat y camera)",
    "meta.xmp": "metadata XMP",
    "meta.iptc": "metadata gwasg IPTC",
    "meta.exif": "metadata EXIF",
    "meta.icc_profile": "proffil lliw",
    "meta.trailer": "data cudd ar ôl diwedd y ddelwedd",
    "meta.motion_photo": "fideo llun symudol (motion photo)",
    "meta.video_tracks": "penodau, isdeitlau, cod amser a thraciau data",
    "meta.audio": "y trac sain (lleisiau ac enwau a ddywedir yn uchel)",
    "meta.orientation": "tag cyfeiriadedd (wedi'i roi ar waith yn y picseli)",
}
