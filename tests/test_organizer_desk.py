"""The organizer's desk without the command line: people, incremental place lists, confirmed steps."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa
from helpers import csrf_token, login

from story import build_world


def user_named(app, name):
    from fieldcheck.accounts.models import User
    from fieldcheck.extensions import db

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == name))
        return user and (user.id, user.role_set, user.unit_id and user.unit_id)


def test_an_organizer_creates_an_account_whose_password_is_shown_once_and_works(app):
    build_world(app, draw=False)
    org = app.test_client()
    login(org, "org")
    token = csrf_token(org, "/people")
    r = org.post("/people/new", data={"csrf_token": token, "username": "li.na", "display_name": "李娜",
                                      "unit": "中共柳河镇委员会", "roles": ["examiner", "reviewer"]})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    password = re.search(r'id="once-password">([^<]+)<', page).group(1)
    assert "li.na" in page and "李娜" in page
    assert password not in org.get("/people").get_data(as_text=True)  # once
    _id, roles, unit = user_named(app, "li.na")
    assert roles == {"examiner", "reviewer"} and unit is not None
    newcomer = app.test_client()
    login(newcomer, "li.na", password)
    assert newcomer.get("/review/").status_code == 200
    # A bad name is refused with the reason, in Chinese, and nothing is created.
    r = org.post("/people/new", data={"csrf_token": token, "username": "李 娜", "roles": ["examiner"]})
    assert r.status_code == 400 and "用户名" in r.get_data(as_text=True)
    r = org.post("/people/new", data={"csrf_token": token, "username": "no.roles", "roles": []})
    assert r.status_code == 400 and user_named(app, "no.roles") is None


def test_roles_and_units_are_edited_and_an_organizer_keeps_their_own_role(app):
    build_world(app, draw=False)
    org = app.test_client()
    login(org, "org")
    token = csrf_token(org, "/people")
    exa_id, _roles, _unit = user_named(app, "exa")
    r = org.post(f"/people/{exa_id}", data={"csrf_token": token, "roles": ["examiner", "reviewer"],
                                            "unit": "中共石门镇委员会"})
    assert r.status_code == 302
    _id, roles, unit = user_named(app, "exa")
    assert roles == {"examiner", "reviewer"} and unit is not None
    org_id, _roles, _unit = user_named(app, "org")
    org.post(f"/people/{org_id}", data={"csrf_token": token, "roles": ["reviewer"], "unit": ""})
    assert user_named(app, "org")[1] == {"organizer"}
    assert "不能取消自己的组织者角色" in org.get("/people").get_data(as_text=True)
    # A new password ends the person's sessions and is shown once.
    exa = app.test_client()
    login(exa, "exa")
    r = org.post(f"/people/{exa_id}/password", data={"csrf_token": token})
    assert r.status_code == 200 and 'id="once-password"' in r.get_data(as_text=True)
    assert exa.get("/tasks").status_code == 302  # signed out


def test_a_place_list_may_add_a_village_under_a_town_imported_before(app):
    build_world(app, draw=False)
    org = app.test_client()
    login(org, "org")
    token = csrf_token(org, "/places/")

    def upload(text):
        return org.post("/places/", data={"csrf_token": token, "csv": (io.BytesIO(text.encode()), "p.csv")},
                        content_type="multipart/form-data")

    r = upload("name,kind,parent,lat,lon,crs\n柳树村,village,柳河镇,44.65,129.53,wgs84\n")
    assert r.status_code == 302
    page = org.get("/places/").get_data(as_text=True)
    assert "柳河镇 柳树村" in page
    r = upload("name,kind,parent,lat,lon,crs\n桃园村,village,清河镇,44.65,129.53,wgs84\n")
    text = r.get_data(as_text=True)
    assert r.status_code == 400 and "“桃园村”的上级地点“清河镇”既不在文件中，也不在已导入的地点中" in text
    assert "not in the file" not in text


def test_publishing_and_closing_ask_first_and_say_what_they_freeze(app):
    world = build_world(app, draw=False)
    org = app.test_client()
    login(org, "org")
    token = csrf_token(org, f"/cycles/{world.cycle_code}")
    r = org.post(f"/cycles/{world.cycle_code}/publish", data={"csrf_token": token})
    assert r.status_code == 200 and 'id="freezes"' in r.get_data(as_text=True)
    from fieldcheck.cycles.models import Cycle
    from fieldcheck.extensions import db

    with app.app_context():
        assert db.session.scalar(sa.select(Cycle.state)) == "draft"  # nothing yet
    r = org.post(f"/cycles/{world.cycle_code}/publish", data={"csrf_token": token, "confirm": "1"})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Cycle.state)) == "published"


def test_the_report_import_offers_township_and_subdistrict(app):
    world = build_world(app, draw=False)
    org = app.test_client()
    login(org, "org")
    page = org.get(f"/cycles/{world.cycle_code}/reports/new").get_data(as_text=True)
    assert 'value="township"' in page and ">乡镇<" in page and 'value="subdistrict"' in page and ">街道<" in page


def test_a_unit_contact_belongs_to_one_unit_and_holds_no_other_role(app):
    build_world(app, draw=False)
    org = app.test_client()
    login(org, "org")
    token = csrf_token(org, "/people")
    r = org.post("/people/new", data={"csrf_token": token, "username": "lianluo", "roles": ["unit"], "unit": ""})
    assert r.status_code == 400 and "必须属于一个单位" in r.get_data(as_text=True)
    assert user_named(app, "lianluo") is None
    r = org.post("/people/new", data={"csrf_token": token, "username": "lianluo", "roles": ["unit", "examiner"],
                                      "unit": "中共青山县委"})
    assert r.status_code == 400 and "不能兼任" in r.get_data(as_text=True)
    assert user_named(app, "lianluo") is None
    r = org.post("/people/new", data={"csrf_token": token, "username": "lianluo", "roles": ["unit"],
                                      "unit": "中共青山县委"})
    assert r.status_code == 200
    contact_id, roles, unit = user_named(app, "lianluo")
    assert roles == {"unit"} and unit is not None
    # Taking the unit away is refused and leaves the contact as they were.
    org.post(f"/people/{contact_id}", data={"csrf_token": token, "roles": ["unit"], "unit": ""})
    assert user_named(app, "lianluo") == (contact_id, {"unit"}, unit)
