"""Hand-written questions for the tuning news set "latest-wiki", read and checked by build.py.

Each entry: q (the question as a user would type it), a (gold: a string or a list of acceptable
strings), type, ev = [(article key, snippet)] where the snippet is a verbatim piece of the
sentence that states the answer (the build expands it to the whole sentence); conflict and
latest questions give (key, snippet, value) per report. A latest question also gives
order = "date" (the newest Published date decides; the build checks the gold against it) or
"content" (ev is listed oldest first and the note says how the order is known; the build
checks the gold against the last value). Unanswerable questions give near = (key, snippet) for
the closest sentence. Article keys are "III_JJ": line III of endataset.json, sources[JJ].
"""

_Q: list[dict] = [
    # --- South American Community of Nations (Herald 27 Nov, IPS x2 7 Dec, Reuters 8 Dec, BBC x2)
    dict(q="Has the South American Community actually been launched yet?", type="latest",
         order="date", a="launched",
         ev=[("064_04", "plan to announce a European Union-fashioned", "plan to announce"),
             ("064_00", "The South American community that will be born this week in Peru -- the most ambitious integration initiative in the region's history -- will mark its debut with 32 physical",
              "will be born this week"),
             ("064_01", "South American leaders on Wednesday launched a regional integration pact",
              "launched"),
             ("064_02", "The new South American Community of Nations was launched at a summit",
              "launched")],
         note="27 Nov: a plan to announce it on 9 Dec; 7 Dec: 'will be born this week'; "
              "8 Dec (Reuters) and the BBC's summit report: launched in Cuzco"),
    dict(q="how many infrastructure projects is the new south american bloc starting with",
         type="latest", order="date", a="31",
         ev=[("064_00", "The South American community that will be born this week in Peru -- the most ambitious integration initiative in the region's history -- will mark its debut with 32 physical",
              "32"),
             ("064_05", "will begin to be built by means of 32 physical infrastructure projects",
              "32"),
             ("064_01", "Delegates discussed a preliminary list of 31 infrastructure projects",
              "31"),
             ("064_03", "31 infrastructure projects to be executed between 2005 and 2010", "31")],
         note="IPS on 7 Dec says 32; Reuters on 8 Dec (and the BBC's undated report from the "
              "summit) say 31"),
    dict(q="What's the latest price tag on the South American infrastructure projects?",
         type="latest", order="date", a=["$4.3 billion", "4.3 billion"],
         ev=[("064_00", "combined cost of over 4.2 billion dollars, to be carried out over the next five years.\nCARACAS",
              "4.2 billion dollars"),
             ("064_05", "with a total combined investment of 4.2 billion dollars",
              "4.2 billion dollars"),
             ("064_01", "worth a total of $4.3 billion", "$4.3 billion")],
         note="IPS 7 Dec: over 4.2 billion dollars; Reuters 8 Dec: $4.3 billion. The BBC's "
              "undated business report prints '$4,316bn' (sic) and is left out"),
    dict(q="how big is the south american community's economy", type="latest", order="date",
         a=["$970 billion", "$973bn"],
         ev=[("064_00", "with a combined gross domestic product of 1.2 trillion dollars",
              "1.2 trillion dollars"),
             ("064_01", "combined gross domestic product of over $970 billion", "$970 billion"),
             ("064_02", "The move will create a market of 361 million people with a GDP of $973bn",
              "$973bn")],
         note="IPS 7 Dec: 1.2 trillion dollars; at the summit (Reuters 8 Dec; BBC, undated "
              "report of the launch): over $970bn / $973bn"),
    dict(q="How many presidents were supposed to sign the founding declaration?",
         type="latest", order="date", a="12",
         ev=[("064_04", "the 10 biggest countries of the sub-region will sign the Ayacucho Declaration",
              "10"),
             ("064_05", "will be one of the 12 South American leaders to sign", "12"),
             ("064_01", "but only half the future bloc's 12 presidents turned up to sign it", "12")],
         note="27 Nov (Herald column): the 10 biggest countries will sign; 7 Dec (IPS) and "
              "8 Dec (Reuters): 12 leaders"),
    dict(q="when do they sign the south american community deal", type="latest", order="date",
         a="Wednesday", also=["8 December", "December 8", "Dec. 8"],
         ev=[("064_04", "at a Dec. 9 ceremony in Peru", "Dec. 9"),
             ("064_00", "in the southern Peruvian cities of Cusco, on Wednesday, and Ayacucho, on Thursday",
              "Wednesday"),
             ("064_01", "South American leaders on Wednesday launched a regional integration pact",
              "Wednesday")],
         note="27 Nov: a Dec. 9 ceremony; 7 Dec: signing at a two-day summit, Cusco on "
              "Wednesday and Ayacucho on Thursday; 8 Dec: launched on Wednesday (8 Dec)"),
    dict(q="Did Argentina's president end up going to the Cuzco summit?", type="latest",
         order="date", a=["stayed away", "did not even bother attending"],
         ev=[("064_04", "the 10 biggest countries of the sub-region will sign the Ayacucho Declaration",
              "will sign"),
             ("064_01", "The leaders of Argentina, Ecuador, Paraguay and Uruguay had already stayed away",
              "stayed away"),
             ("064_02", "The leaders of Argentina, Ecuador, Uruguay and Paraguay did not even bother",
              "did not even bother attending")],
         note="27 Nov: the ten biggest countries (Argentina among them) will sign; 8 Dec "
              "(Reuters) and the BBC's summit report: Argentina's leader stayed away"),
    dict(q="Who is the chief organiser behind the South American Community?", type="who",
         a=["Eduardo Duhalde", "Duhalde"],
         ev=[("064_04", "Eduardo Duhalde, the former Argentine president who serves as head")]),
    dict(q="Where was the South American Community launched?", type="where",
         a=["Cuzco", "Peru"],
         ev=[("064_02", "The new South American Community of Nations was launched at a summit"),
             ("064_01", "South American leaders on Wednesday launched a regional integration pact")]),
    dict(q="How much is the Brazil-Peru highway going to cost?", type="how_many",
         a=["$700 million", "$700m"],
         ev=[("064_01", "like a $700 million highway linking the Atlantic and Pacific"),
             ("064_02", "Peru and Brazil signed a $700m agreement to create a road")]),
    dict(q="How many people will live in the South American Community?", type="conflict",
         a=["350 million", "360 million", "361 million"],
         ev=[("064_00", "encompassing 17 million square kilometres in territory and 350 million consumers",
              "350 million"),
             ("064_01", "Creation of the bloc will have little immediate impact for its 360 million people",
              "360 million"),
             ("064_02", "The move will create a market of 361 million people", "361 million")],
         note="Reuters (8 Dec) says 360 million and the BBC's report of the same summit 361 "
              "million; IPS a day earlier 350 million"),
    dict(q="what are the south american community's annual exports worth", type="conflict",
         a=["$188 billion", "$181bn", "190 billion dollars"],
         ev=[("064_01", "exports of $188 billion", "$188 billion"),
             ("064_02", "exporting $181bn of goods and services", "$181bn"),
             ("064_00", "and 190 billion dollars in annual exports", "190 billion dollars")],
         note="the two reports of the launch day disagree: Reuters $188bn, BBC $181bn (its "
              "fact box gives the source 'Can (2003)'); IPS on 7 Dec 190 billion dollars"),
    dict(q="Where will the South American Community have its headquarters?",
         type="unanswerable",
         near=("064_04", "such as where it will be headquartered, or whether it will have a bureaucracy")),
    dict(q="What will the South American single currency be called?", type="unanswerable",
         near=("064_01", "Sooner rather than later we will have a single currency")),

    # --- Defense Science Board report (NYT 24 Nov, CSM 29 Nov, Salon 2 Dec) ------------------
    dict(q="Has the Pentagon made the Defense Science Board report public yet?",
         type="latest", order="date", a=["Pentagon Web site", "Web site"],
         ev=[("049_02", "The Defense Science Board report, which has not been released to the public",
              "has not been released to the public"),
             ("049_01", "Late on the Wednesday afternoon before the Thanksgiving holiday, the US Defense Department confirmed",
              "confirmed the contents"),
             ("049_00", "silently slipped it on to a Pentagon Web site on Thanksgiving eve",
              "Pentagon Web site")],
         note="NYT 24 Nov (dateline 23 Nov): not released; CSM 29 Nov: the Defense Department "
              "confirmed its contents; Salon 2 Dec: slipped on to a Pentagon Web site on "
              "Thanksgiving eve"),
    dict(q="When did the Pentagon put the strategic communication report online?",
         type="conflict", a=["Thanksgiving eve", "early November"],
         ev=[("049_00", "silently slipped it on to a Pentagon Web site on Thanksgiving eve",
              "Thanksgiving eve"),
             ("049_01", "The report had been originally placed on the DSB's website in early November",
              "early November")],
         note="different days, neither corrects the other: Salon (2 Dec) says Thanksgiving eve "
              "(24 Nov), the CSM (29 Nov) says it was first placed on the DSB's site in early "
              "November"),
    dict(q="How long is the Defense Science Board report?", type="how_many", a="102",
         also=["102 pages"],
         ev=[("049_02", "says the 102-page report, completed in September"),
             ("049_00", "its 102 pages not released to the public")]),
    dict(q="Who chaired the Defense Science Board task force on strategic communication?",
         type="unanswerable",
         near=("049_01", "The current Board is authorized to consist of thirty-two members")),

    # --- Vanuatu PM and the Chinese ambassador (news.vu/AFP 5 Dec, China Daily/AP 6 Dec) -------
    dict(q="So did Vohor actually punch the Chinese ambassador?", type="latest", order="date",
         a="pushed",
         ev=[("058_00", "said he was punched on the shoulder by Vohor", "punched"),
             ("058_01", "China's ambassador to Vanuatu said Monday he won't lodge a formal protest after being pushed",
              "pushed")],
         note="5 Dec: the ambassador says he was punched; 6 Dec: he says Vohor pushed his "
              "shoulder with his fist and he does not regard it as an attack"),
    dict(q="how many MPs are still backing vohor", type="latest", order="date", a="15",
         ev=[("058_00", "to give the opposition a majority of 36 to 14, excluding the PM and speaker",
              "14"),
             ("058_01", "leaving the premier with just 15 legislators supporting him", "15")],
         note="5 Dec: 14 (excluding the PM and speaker); 6 Dec: 15"),
    dict(q="Is the no-confidence vote against Vohor happening Monday?", type="latest",
         order="date", a="delayed",
         ev=[("058_00", "which may come as early as Monday", "as early as Monday"),
             ("058_01", "a vote delayed by a legal action challenging", "delayed")],
         note="5 Dec: the vote may come as early as Monday; 6 Dec (Monday): the vote is "
              "delayed by a legal action"),
    dict(q="What's the Chinese ambassador to Vanuatu called?", type="who",
         a=["Bao Shusheng", "Bao"],
         ev=[("058_01", "Ambassador Bao Shusheng said the incident occurred")]),
    dict(q="When did Vohor sign the deal recognising Taiwan?", type="when", a="November 3",
         also=["3 November"],
         ev=[("058_01", "Vohor's troubles began November 3 when he signed")]),
    dict(q="What did Vanuatu's Supreme Court decide about the no-confidence vote?",
         type="unanswerable",
         near=("058_00", "The Supreme Court said Saturday it would give its ruling on Monday.")),

    # --- Top spamming countries (TechWeb 13 Dec, Sophos 24 Dec, Xinhua 29 Dec, InfoWorld) ------
    dict(q="what share of spam comes from the US these days", type="latest", order="content",
         a=["42.11", "42.1 percent"], also=["42 percent", "42%"],
         ev=[("082_00", "In that tally the U.S. was responsible for a whopping 56.74 percent",
              "56.74 percent"),
             ("082_03", "which is responsible for exporting 42.11% of all spam", "42.11"),
             ("082_01", "the U.S. accounted for 42.1 percent of the world's spam", "42.1 percent")],
         note="by content: 56.74 percent is Sophos' first list of February 2004, 42.11 its "
              "list for the whole year published 24 Dec (InfoWorld's weblog is undated)"),
    dict(q="Which country is second for sending spam?", type="what", a="South Korea",
         ev=[("082_01", "South Korea followed with 13.43 per cent of spam originations")]),
    dict(q="How much junk mail complied with CAN-SPAM in November?", type="how_many",
         a="six percent",
         ev=[("082_02", "with a whopping six percent of all junk mail toeing the federal law's line")]),
    dict(q="How many spam messages did Sophos analyse for its 2004 list?", type="unanswerable",
         near=("082_03", "scanned all spam messages received at its global network of honeypots")),

    # --- Jim Taricani (SignOnSanDiego/AP 4 Nov, SPJ Press Notes 18 Nov) -----------------------
    dict(q="what's the latest on the taricani contempt case", type="latest", order="date",
         a="expects to be convicted of contempt",
         ev=[("031_03", "But the judge set a trial for Nov. 18 on criminal contempt charges",
              "set a trial for Nov. 18"),
             ("031_01", "R.I. reporter expects to be convicted of contempt",
              "expects to be convicted of contempt")],
         note="4 Nov: trial set for 18 Nov; 18 Nov (SPJ digest, AP): he expects to be "
              "convicted and has a quotation ready for his sentencing"),
    dict(q="How much has WJAR paid in fines for Taricani?", type="how_many", a="$85,000",
         ev=[("031_03", "WJAR has paid $85,000 in fines on Taricani's behalf so far")]),
    dict(q="Who leaked the Plunder Dome videotape to Taricani?", type="unanswerable",
         near=("031_03", "Prosecutors want to know who gave the tape to Taricani")),
    dict(q="What sentence did Taricani get?", type="unanswerable",
         near=("031_01", "that Taricani said he wants to read in court when he is sentenced")),

    # --- Palestinian election after Arafat (AP 13 Nov, LA Times 14 Nov) -------------------------
    dict(q="Who's acting Palestinian president after Arafat?", type="who",
         a=["Rouhi Fatouh", "Rauhi Fattouh"],
         ev=[("001_00", "Rouhi Fatouh, the parliament speaker, was sworn in as acting president"),
             ("001_01", "Parliament Speaker Rauhi Fattouh was sworn in as the caretaker leader")]),
    dict(q="Did the Palestinians pick January 7 or January 9 for the election?",
         type="unanswerable",
         near=("001_01", "Fattouh was to meet Sunday with elections officials to decide")),

    # --- Browsers (InfoWorld 2 Nov, CNN/AP 16 Nov) -------------------------------------------
    dict(q="What's Internet Explorer's share of the US browser market now?", type="latest",
         order="content", a="92.9 percent",
         ev=[("016_02", "its share dropped to 94.7 percent in July", "94.7 percent"),
             ("016_02", "had declined further to 92.9 percent on Oct. 29", "92.9 percent")],
         note="by content, within one report: 94.7 percent in July, 92.9 percent on Oct. 29 "
              "(WebSideStory); the AP report of 16 Nov gives only 'more than 90 percent of the "
              "world's computers'"),
    dict(q="how much of the market do mozilla browsers have now", type="latest",
         order="content", a="6 percent",
         ev=[("016_02", "held 6 percent of the market at the end of October, up from 3.5 percent",
              "3.5 percent"),
             ("016_02", "held 6 percent of the market at the end of October", "6 percent")],
         note="by content, within one report: 3.5 percent in June, 6 percent at the end of "
              "October"),

    # --- School of the Americas protest (AP via CCMEP 23 Nov, Tennessee IMC, CNN) -------------
    dict(q="How many people were arrested at the School of the Americas protest?",
         type="how_many", a="20",
         ev=[("036_02", "At least 20 people were arrested Sunday"),
             ("036_03", "20 people were arrested in acts of nonviolent civil disobedience")]),
    dict(q="What did the arrested SOA protesters get sentenced to?", type="unanswerable",
         near=("036_03", "They took this action despite knowing they likely face 3-6 months")),

    # --- Sensex (Hindu Business Line 3 Feb 2004, Economic Times 10 Jan 2005) ------------------
    dict(q="where's the sensex at", type="latest", order="date", a="6,679.20",
         ev=[("095_00", "The BSE Sensex, fell 74.69 points or 1.3 pc to 5620.98", "5620.98"),
             ("095_01", "the BSE Sensex ended at 6,679.20", "6,679.20")],
         note="3 Feb 2004 (interim budget day): 5620.98; 10 Jan 2005: 6,679.20, a new high"),
    dict(q="What did the Nifty close at most recently?", type="latest", order="date",
         a="2,115",
         ev=[("095_00", "the S&P; CNX Nifty fell 40.75 points, or 2.3%, to 1769.00", "1769.00"),
             ("095_01", "closed the day with a gain of 34.50 points at 2,115", "2,115")],
         note="3 Feb 2004: 1769.00; 10 Jan 2005: 2,115"),

    # --- Cuba and the US mission's Christmas display (MSNBC/AP, BBC) ---------------------------
    dict(q="Is the US taking its Christmas decorations down in Havana?", type="latest",
         order="content", a="remain in place until the end of the holidays",
         ev=[("069_01", "There was no immediate response from American diplomats in Havana.",
              "no immediate response"),
             ("069_00", "The US says the decorations will remain in place until the end of the holidays.",
              "remain in place until the end of the holidays")],
         note="both undated; by content: AP reports Cuba's billboard of Friday with 'no "
              "immediate response' from the Americans, the BBC reports the billboard and the "
              "US answer that the decorations stay"),
    dict(q="What number is on the US mission's Christmas display?", type="what", a="75",
         ev=[("069_00", "A large figure 75 is picked out in neon")]),

    # --- Disputed elections (Wu 23 Dec, Free Press 28 Dec, ABC/AP 30 Dec) ----------------------
    dict(q="who won the washington governor race in the end", type="latest", order="content",
         a=["Christine Gregoire", "Gregoire"],
         ev=[("088_00", "He won both of the earlier counts.", "He won both of the earlier counts"),
             ("088_00", "Democrat Christine Gregoire was declared Washington's governor-elect",
              "Christine Gregoire")],
         note="by content, within one report: Rossi won the first two counts, Gregoire the "
              "hand recount and was certified on 30 Dec"),
    dict(q="How many votes did Gregoire win the hand recount by?", type="how_many", a="129",
         ev=[("088_00", "She won a statewide hand recount by a scant 129 votes")]),
    dict(q="Will Washington hold a new governor's election?", type="unanswerable",
         near=("088_00", "the Legislature should authorize a new election")),
]

QUESTIONS = [dict(id=f"lw-news-{i:03d}", **q) for i, q in enumerate(_Q, start=1)]
