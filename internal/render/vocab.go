package render

// The one sv/en table of the words the report, the court presentation and
// the CLI share, and the report's derivation notes. A language other than
// sv or en gets English.

var words = map[string]map[string]string{
	"sv": {
		"report": "Bildanalysrapport", "case": "Ärende", "title": "Rubrik", "crime": "Brottstyp", "place": "Plats",
		"window": "Händelsetid", "requested_by": "Beställare", "request": "Beställning", "suspect": "Signalement",
		"status": "Status", "analyst": "Analytiker", "date": "Datum", "export": "Export-id", "software": "Programvara",
		"summary": "Sammanfattning av tidslinjen", "nr": "Nr", "time": "Tid (sann)", "camera": "Kamera", "text": "Iakttagelse",
		"tags": "Taggar", "map": "Karta över kameror och förflyttning", "map_note": "Kamerornas positioner ur kamerakatalogen; den röda linjen förbinder tidslinjens poster i tidsordning (numrerade). Skalstock nere till vänster, norr uppåt. Ritad av klipp utan kartunderlag.",
		"entry": "Post", "true_time": "Sann tid", "camera_clock": "Kamerans klocka", "unverified": "ej kontrollerad",
		"address": "Adress", "clip": "Filmklipp", "clip_range": "Klippets tid", "mode": "Klippläge", "reencoded": "Omkodade bilder",
		"gaps": "Luckor i klippet", "stills": "Stillbilder", "frame": "bilden visad vid", "author": "Införd av", "note": "Anmärkning",
		"no_footage": "inget filmmaterial för klippets tid", "sheet": "kontaktkarta över klippets tid, en bild var %.0f:e sekund, sann tid under varje",
		"clocks": "Kamerornas klockor", "offset": "Avvikelse (kamera − sann)", "verified": "Kontrollerad", "measured": "Mätningar",
		"yes": "ja", "no": "nej", "gap_title": "Luckor, skadat material och omkodade bilder", "from": "Från", "to": "Till",
		"reason": "Orsak", "none": "Inga luckor eller skadade filer inom klippen och ärendets tid.", "derivation": "Hur materialet har tagits fram",
		"hashes": "Filer och kontrollsummor (SHA-256)", "hash_note": "Alla filer i exporten med storlek och SHA-256. Rapporten själv, manifest.json och SHA256SUMS finns i SHA256SUMS; kontrollera med sha256sum -c SHA256SUMS eller klipp verify.",
		"file": "Fil", "size": "Byte", "page": "Sida", "reencoded_list": "Omkodade bilder per klipp",
		"reencoded_none": "inga (kamerans egna kodade bilder)", "reencoded_all": "alla (H.264)",
		"signature": "Signatur", "unsigned": "Osignerad: ingen signeringsnyckel var inställd, så SHA256SUMS har ingen SHA256SUMS.sig.",
		"signed_by": "SHA256SUMS är signerad i SHA256SUMS.sig av %s, nyckel %s (OpenSSH ed25519, namnrymd klipp-bundle).",
		"plusminus": "±", "no_bound": "ingen gräns (klockan ej kontrollerad)", "order_uncertain": "ordningen osäker mot post",
	},
	"en": {
		"report": "Image analysis report", "case": "Case", "title": "Title", "crime": "Crime", "place": "Place",
		"window": "Incident window", "requested_by": "Requested by", "request": "Request", "suspect": "Suspect description",
		"status": "Status", "analyst": "Analyst", "date": "Date", "export": "Export id", "software": "Software",
		"summary": "Timeline summary", "nr": "No.", "time": "Time (true)", "camera": "Camera", "text": "Observation",
		"tags": "Tags", "map": "Map of cameras and movement", "map_note": "Camera positions from the camera catalog; the red line joins the timeline's entries in time order (numbered). Scale bar bottom left, north up. Drawn by klipp without map tiles.",
		"entry": "Entry", "true_time": "True time", "camera_clock": "Camera clock", "unverified": "not verified",
		"address": "Address", "clip": "Clip", "clip_range": "Clip range", "mode": "Cut mode", "reencoded": "Re-encoded frames",
		"gaps": "Gaps in the clip", "stills": "Stills", "frame": "frame shown at", "author": "Entered by", "note": "Note",
		"no_footage": "no footage for the clip range", "sheet": "contact sheet of the clip range, one frame every %.0f s, true time under each",
		"clocks": "Camera clocks", "offset": "Offset (camera − true)", "verified": "Verified", "measured": "Measurements",
		"yes": "yes", "no": "no", "gap_title": "Gaps, damaged footage and re-encoded frames", "from": "From", "to": "To",
		"reason": "Reason", "none": "No gaps or damaged files within the clips and the case's window.", "derivation": "How the material was derived",
		"hashes": "Files and checksums (SHA-256)", "hash_note": "Every file of the export with its size and SHA-256. The report itself, manifest.json and SHA256SUMS are listed in SHA256SUMS; check with sha256sum -c SHA256SUMS or klipp verify.",
		"file": "File", "size": "Bytes", "page": "Page", "reencoded_list": "Re-encoded frames per clip",
		"reencoded_none": "none (the camera's own coded frames)", "reencoded_all": "all (H.264)",
		"signature": "Signature", "unsigned": "Unsigned: no signing key was set, so SHA256SUMS has no SHA256SUMS.sig.",
		"signed_by": "SHA256SUMS is signed in SHA256SUMS.sig by %s, key %s (OpenSSH ed25519, namespace klipp-bundle).",
		"plusminus": "±", "no_bound": "no bound (clock not verified)", "order_uncertain": "order uncertain against entry",
	},
}

// Words returns the vocabulary's vocabulary in a language (sv or en).
func Words(language string) map[string]string {
	if w, ok := words[language]; ok {
		return w
	}
	return words["en"]
}

// notes explain in the report how each kind of file was made, one
// paragraph each.
var notes = map[string][]string{
	"sv": {
		"Originalinspelningarna är bevisens original och har inte ändrats. Varje källfil som ett klipp kommer från finns bitexakt i native/ med samma SHA-256 som när den först användes.",
		"Klipp i läget copy innehåller kamerans egna kodade bilder utan omkodning; klippet börjar vid närmaste nyckelbild före klippets start och MP4-filens redigeringslista gör att uppspelningen börjar på rätt bild. Läget exact kodar om bara bilderna före den första nyckelbilden i klippet; läget transcode kodar om alla bilder (H.264). Vilka bilder som kodats om står per klipp ovan och i klippets .json-fil.",
		"En stillbild visar den bild som fanns på skärmen vid den begärda tiden: den sista bilden vars visningstid är högst den tiden. Bildens egen sanna tid anges under varje stillbild.",
		"Alla tider är sann tid (svensk tid) om inget annat anges. Kamerans klocka har räknats om med den uppmätta avvikelsen i tabellen över kamerornas klockor; kameror vars klocka inte är kontrollerad är markerade.",
		"presentation.mp4 är gjord av klippen i tidsordning, varje klipp med en inledande skylt; kamerans namn och sann tid är inbrända i bilden. Den är en åskådliggörande sammanställning; klippen i clips/ och native/ är underlaget.",
	},
	"en": {
		"The native recordings are the master evidence and were not modified. Every source file a clip came from is in native/ bit for bit, with the SHA-256 recorded when it was first used.",
		"Clips in copy mode hold the camera's own coded frames without re-encoding; a clip starts at the keyframe at or before its start and the MP4 edit list makes playback begin at the right frame. Exact mode re-encodes only the frames before the first keyframe in the clip; transcode mode re-encodes every frame (H.264). Which frames were re-encoded is stated per clip above and in each clip's .json record.",
		"A still shows the frame on screen at the requested time: the last frame whose presentation time is at or before it. The frame's own true time is given under each still.",
		"Every time is true time in the display zone unless labelled camera clock. Camera clocks were converted with the offsets measured in the camera clock table; cameras whose clock was never verified are marked.",
		"presentation.mp4 joins the clips in time order, each introduced by a title card, with the camera name and true time burned in. It illustrates; the clips in clips/ and native/ are the evidence.",
	},
}

// Notes returns the derivation notes in a language (sv or en).
func Notes(language string) []string {
	if n, ok := notes[language]; ok {
		return n
	}
	return notes["en"]
}
