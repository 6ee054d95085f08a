"""The articles of the tuning set "latest-wiki", as build.py takes them (data only)."""

# --- article selection ---------------------------------------------------------------------
# key "III_JJ" = endataset.json line III (Wikinews story), sources[JJ].
# (key, story, title or None = the page's own title, outlet, published, date_from, date_cue)
# date_from: "url" (the date is in the URL), "text" (date_cue is in the body), "" (no date).
# DATE_NOTES: the dates that need a step of reasoning beyond the cue.
ARTICLES: list[tuple[str, str, str | None, str, str, str, str]] = [
    # South American Community of Nations founded at the Cuzco summit (item 64)
    ("064_04", "sacn", None, "The San Diego Union-Tribune (The Miami Herald)", "2004-11-27",
     "url", ""),
    ("064_00", "sacn", "One Giant Step - and 32 Small Ones", "Inter Press Service",
     "2004-12-07", "text", "CARACAS, Dec 7 (IPS)"),
    ("064_05", "sacn", None, "Inter Press Service", "2004-12-07", "text",
     "SANTIAGO, Dec 7 (IPS)"),
    ("064_01", "sacn", "South America Eyes EU-Style Integration", "Reuters", "2004-12-08",
     "text", "South American leaders on Wednesday launched a regional integration pact"),
    ("064_02", "sacn", None, "BBC News", "", "", ""),
    ("064_03", "sacn", None, "BBC News", "", "", ""),
    # Defense Science Board report on strategic communication (item 49)
    ("049_02", "dsb", None, "The New York Times", "2004-11-24", "url", ""),
    ("049_01", "dsb", "Pentagon confirms critical Defense Science Board report",
     "The Christian Science Monitor", "2004-11-29", "url", ""),
    ("049_00", "dsb", None, "Salon", "2004-12-02", "url", ""),
    # Vanuatu's prime minister and the Chinese ambassador (item 58)
    ("058_00", "vanuatu", None, "news.vu (AFP)", "2004-12-05", "url", ""),
    ("058_01", "vanuatu", None, "China Daily (AP)", "2004-12-06", "url", ""),
    # Top spamming countries, CAN-SPAM (item 82)
    ("082_02", "spam", None, "TechWeb", "2004-12-13", "text", "December 13, 2004 (1:18 PM EST)"),
    ("082_03", "spam", None, "Sophos", "2004-12-24", "text", "24 December 2004 The"),
    ("082_01", "spam", "US tops Sophos list of spam-exporting countries", "Xinhua",
     "2004-12-29", "url", ""),
    ("082_00", "spam", None, "InfoWorld (weblog)", "", "", ""),
    # Jim Taricani contempt case (item 31)
    ("031_03", "taricani",
     "TV reporter threatened with criminal contempt for refusing to divulge source of videotape",
     "SignOnSanDiego.com (AP)", "2004-11-04", "url", ""),
    ("031_01", "taricani", "SPJ Press Notes, November 18, 2004",
     "Society of Professional Journalists", "2004-11-18", "text",
     "Thursday, November 18, 2004"),
    # Palestinian presidential election after Arafat (item 1)
    ("001_01", "palestine", None, "The Guardian (AP)", "2004-11-13", "text",
     "Saturday November 13, 2004 8:16 PM"),
    ("001_00", "palestine", None, "Los Angeles Times", "2004-11-14", "url", ""),
    # Firefox 1.0 and Internet Explorer's share (item 16)
    ("016_02", "browsers", "Internet Explorer loses market share", "InfoWorld", "2004-11-02",
     "url", ""),
    ("016_00", "browsers", None, "CNN (AP)", "2004-11-16", "url", ""),
    # School of the Americas protest (item 36)
    ("036_02", "soa", "At least 20 arrested at protest against School of the Americas",
     "CCMEP (AP)", "", "", ""),
    ("036_03", "soa", "16,000 Protesters Gather to Close the School of Americas",
     "Tennessee Independent Media Center", "", "", ""),
    ("036_01", "soa", None, "CNN", "", "", ""),
    # Sensex (item 95)
    ("095_00", "sensex", None, "The Hindu Business Line", "2004-02-03", "text",
     "Jaswant Singh's interim budget"),
    ("095_01", "sensex", "Day 1: Sensex ends at new high", "The Economic Times", "2005-01-10",
     "text", "Crude oil futures fell below $43 in Asian trade on Monday"),
    # Cuba and the US mission's Christmas decorations (item 69)
    ("069_01", "cuba", None, "MSNBC (AP)", "", "", ""),
    ("069_00", "cuba", None, "BBC News", "", "", ""),
    # Disputed US elections, December 2004 (items 87, 85, 88)
    ("087_00", "elections", None, "Portland Indymedia", "2004-12-23", "text",
     "This letter was sent by Rep. Wu on December 23, 2004."),
    ("085_00", "elections", "Ohio GOP election officials ducking subpoenas as Kerry enters stolen vote fray",
     "The Free Press", "2004-12-28", "text", "December 28, 2004"),
    ("088_00", "elections", None, "ABC News (AP)", "2004-12-30", "text",
     "OLYMPIA, Wash. Dec 30, 2004"),
    # distractors: single pages of other stories (no latest questions)
    ("006_00", "distractor", None, "The Sydney Morning Herald", "2004-11-16", "url", ""),
    ("011_00", "distractor", None, "BBC News", "", "", ""),
    ("012_00", "distractor", None, "CNN (AP)", "2004-11-16", "url", ""),
    ("019_00", "distractor", None, "BBC News", "", "", ""),
    ("029_00", "distractor", None, "Microsoft", "2004-11-11", "text", "Nov. 11, 2004"),
    ("030_00", "distractor", None, "silicon.com", "", "", ""),
    ("033_00", "distractor", None, "BBC News", "", "", ""),
    ("034_00", "distractor", None, "The New York Times", "2004-11-19", "url", ""),
    ("050_01", "distractor", None, "Knight Ridder", "", "", ""),
    ("051_00", "distractor", None, "News24", "2004-12-02", "text", "02/12/2004 11:44"),
    ("052_04", "distractor", None, "SpaceDaily (Air Force News)", "2004-11-02", "text",
     "Cape Canaveral (SPX) Nov 02, 2004"),
    ("056_00", "distractor", None, "BBC News", "", "", ""),
    ("066_00", "distractor", None, "San Francisco Chronicle", "2004-12-13", "url", ""),
    ("067_00", "distractor", "Man Charged With Animal Cruelty After Biting His Dog",
     "The Ledger", "2004-12-15", "text", "Published Wednesday, December 15, 2004"),
    ("075_00", "distractor", None, "The Indian Express", "", "", ""),
    ("081_00", "distractor", None, "The Boston Globe (AP)", "2004-12-28", "url", ""),
    ("089_00", "distractor", None, "InternetNews.com", "", "", ""),
    ("096_00", "distractor", None, "The Washington Post", "2005-01-04", "text",
     "Tuesday, January 4, 2005"),
]
DATE_NOTES = {
    "064_01": "the IPS reports of Tuesday 7 Dec say the summit opens in Cuzco on Wednesday: "
              "8 Dec 2004",
    "095_00": "Jaswant Singh presented the interim budget on Tuesday 3 Feb 2004; the text "
              "also cites the close of January 27, 2004",
    "095_01": "Monday before 'results on January 12' (Infosys, Q3 FY2005): 10 Jan 2005",
}
