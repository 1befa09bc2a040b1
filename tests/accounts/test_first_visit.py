"""A business owner who opens the start page finds the question form; officials their log-in."""


def test_the_start_page_leads_a_visitor_to_the_question_form_and_the_log_in(client):
    start = client.get("/", follow_redirects=True)
    page = start.get_data(as_text=True)
    assert start.status_code == 200
    assert 'href="/fraga"' in page and "Ställ en fråga" in page
    assert 'name="password"' in page  # officials log in right there

    form = client.get("/fraga")
    assert form.status_code == 200
