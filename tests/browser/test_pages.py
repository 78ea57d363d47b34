"""The public pages in a real browser: search, filters, pagination, maps, support finder, tracker pages."""

import re


def _search_directory(page, live_server, text):
    page.goto(live_server.url + "/annuaire/")
    page.fill("#id_q", text)
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_load_state()
    return [name.strip() for name in page.locator(".cards .card h3").all_inner_texts()]


def test_search_tolerates_missing_accents_and_typos(page, live_server, portal_data):
    assert "Épicerie solidaire fictive des Lilas" in _search_directory(page, live_server, "epicerie solidaire")
    assert "Ressourcerie fictive du Plateau" in _search_directory(page, live_server, "ressourcrie")


def test_filter_by_commune_keeps_the_state_in_the_url(page, live_server, portal_data):
    page.goto(live_server.url + "/annuaire/")
    page.get_by_label(re.compile(r"^Bondy")).check()
    page.locator(".filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"commune=93010"))
    metas = page.locator(".cards .card .card__meta").all_inner_texts()
    assert metas and all("Bondy" in meta for meta in metas)
    assert page.locator("#titre-resultats").inner_text().startswith("6 acteurs")


def test_ticking_filters_keeps_the_keyboard_focus_until_they_are_applied(page, live_server, portal_data):
    # RGAA 7.4: a change of context only on an explicit action.
    page.goto(live_server.url + "/annuaire/")
    bondy = page.get_by_label(re.compile(r"^Bondy"))
    bondy.focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    assert page.url == live_server.url + "/annuaire/"
    assert bondy.is_checked()
    assert page.evaluate("document.activeElement.id") == bondy.get_attribute("id")
    page.locator(".filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"commune=93010.*#resultats"))
    # After applying, the page opens on the results, whose heading gives the count.
    assert page.evaluate("location.hash") == "#resultats"
    assert re.match(r"\d+ acteurs trouvés", page.locator("#titre-resultats").inner_text())


def test_a_skip_link_leads_to_the_results(page, live_server, portal_data):
    page.goto(live_server.url + "/annuaire/")
    link = page.locator("a.skip-link[href='#resultats']")
    link.focus()
    assert link.is_visible()  # shown when it has the focus
    link.press("Enter")
    assert page.evaluate("document.activeElement.id") == "resultats"


def test_pagination_reaches_the_last_results(page, live_server, portal_data):
    page.goto(live_server.url + "/annuaire/")
    assert page.locator(".cards .card").count() == 20
    page.get_by_role("link", name="Page suivante").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert page.locator(".cards .card").count() == 5
    assert "Page 2 sur 2" in page.locator(".pagination__status").inner_text()


def test_open_an_actor_from_the_list(page, live_server, portal_data):
    actor = portal_data["actors"][0]
    page.goto(live_server.url + "/annuaire/?q=ressourcerie")
    page.get_by_role("link", name=actor.name).click()
    page.wait_for_url(re.compile(actor.get_absolute_url()))
    assert page.locator("h1").inner_text().startswith(actor.name)
    # The projects app's section: the initiative it leads.
    assert page.get_by_role("link", name=portal_data["initiative"].title).is_visible()


def test_directory_map_shows_a_marker_per_located_result(page, live_server, portal_data):
    page.goto(live_server.url + "/annuaire/?view=map")
    map_element = page.wait_for_selector("#carte-resultats[data-marker-count]")
    assert map_element.get_attribute("data-marker-count") == "25"
    assert page.locator("#carte-resultats .leaflet-marker-icon").count() >= 1
    # Clusters add up to every marker.
    counts = page.locator("#carte-resultats .marker-cluster span").all_inner_texts()
    singles = page.locator("#carte-resultats .leaflet-marker-icon:not(.marker-cluster)").count()
    assert sum(int(count) for count in counts) + singles == 25


def test_support_finder_returns_offers_for_a_stage(page, live_server, portal_data):
    page.goto(live_server.url + "/accompagnement/")
    page.locator("select[name=stage]").select_option("emergence")
    page.get_by_role("button", name="Voir les offres").click()
    page.wait_for_url(re.compile(r"stage=emergence"))
    titles = page.locator("#titre-offres ~ .cards h3").all_inner_texts()
    assert any("Accompagnement fictif à la création" in title for title in titles)
    assert not any("Prêt d'honneur fictif" in title for title in titles)


def test_strategy_dashboard_draws_its_charts_with_data_tables(page, live_server, portal_data):
    page.goto(live_server.url + "/strategie/")
    charts = page.locator("svg[data-chart]")
    assert charts.count() == 6
    status_chart = page.locator('svg[data-chart="projets-axes-etats"]')
    assert status_chart.locator("rect.chart__bar").count() == 5
    assert status_chart.bounding_box()["height"] > 100
    figure = page.locator("#projets-axes-etats")
    figure.locator("summary").click()
    assert figure.locator("table").is_visible()
    assert "en cours" in figure.locator("table").inner_text().lower()


def test_initiative_page_shows_progress_indicators_money_and_its_site_on_a_map(page, live_server, portal_data):
    initiative = portal_data["initiative"]
    page.goto(live_server.url + "/projets/?status=in_progress")
    page.get_by_role("link", name=initiative.title).click()
    page.wait_for_url(re.compile(initiative.get_absolute_url()))
    assert page.locator("h1").inner_text() == initiative.title
    assert page.locator("#titre-avancement ~ .progress progress").get_attribute("value") == "67"
    # Baseline 0 draws no bar; the target and the latest measure do.
    assert page.locator('svg[data-chart^="indicateur-"] rect.chart__bar').count() == 2
    money = page.locator("#titre-financement ~ p").first.inner_text().replace("\xa0", " ")
    assert "20 000 € acquis sur un budget cible de 50 000 €" in money
    assert page.get_by_text("Atelier fictif avec les habitants").is_visible()
    assert not page.get_by_text("Note interne fictive").count()
    map_element = page.wait_for_selector("#carte-projet[data-marker-count]")
    assert map_element.get_attribute("data-marker-count") == "1"


def test_sites_page_filters_and_maps_the_sites(page, live_server, portal_data):
    page.goto(live_server.url + "/lieux/")
    map_element = page.wait_for_selector("#carte-lieux[data-marker-count]")
    assert map_element.get_attribute("data-marker-count") == "2"
    page.locator("#f-available").select_option("true")
    page.locator(".filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"available=true"))
    assert page.locator(".site-card h3").all_inner_texts() == ["Local fictif rue des Tests"]
    assert page.wait_for_selector("#carte-lieux[data-marker-count]").get_attribute("data-marker-count") == "1"


def test_initiatives_list_works_without_javascript(chromium, live_server, portal_data):
    context = chromium.new_context(locale="fr-FR", java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto(live_server.url + "/projets/")
        tab.get_by_label("Idée", exact=True).check()
        tab.locator(".filters button[type=submit]").click()
        tab.wait_for_url(re.compile(r"status=idea"))
        assert tab.locator(".initiative-card h3").all_inner_texts() == ["Idée fictive de rez-de-chaussée actif"]
    finally:
        context.close()
