"""The record forms' dependent pickers in the real browser: once the customer is chosen (select2),
the contact select offers only that customer's contacts (issue 21, item 5)."""
from tests.records_helpers import make_customer


def test_the_form_pickers_follow_the_customer_in_the_browser(app, live_server, browser):
    from tests.browser.test_complaint_walk import sign_in

    cid, contact_id, _name = make_customer(app)
    make_customer(app, phone="13900003333")  # another customer, whose contact must not be offered
    page = sign_in(browser, live_server, "agent")
    page.goto(f"{live_server}/servicerequestview/add")
    page.evaluate(f"window.jQuery('#customer').val('{cid}').trigger('change')")
    page.wait_for_function(f"""() => [...document.querySelectorAll('#contact option')]
        .filter(o => o.value !== '__None').map(o => o.value).join() === '{contact_id}'""")
    assert page.locator("#customer option:checked").get_attribute("value") == str(cid)
