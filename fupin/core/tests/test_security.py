"""Issue 14, uploads, headers, defaults and login: the one upload policy (sniffed type,
size, re-encoded images, decompression bombs), files served as attachments unless their
bytes are on the inline list, the security headers, safe settings, and login lockout."""

import datetime as dt
import io
import os
import subprocess
import sys
import zipfile

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from fupin.accounts.models import ApiToken
from fupin.core import files
from fupin.core.errors import ValidationFailed
from fupin.registry.models import Attachment

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def png_bytes(size=(8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, "PNG")
    return out.getvalue()


def disguised_html() -> SimpleUploadedFile:
    """An HTML page named like a picture and labelled as one by the client."""
    return SimpleUploadedFile("photo.png", HTML, content_type="image/png")


# ---------------------------------------------------------------- the upload policy


def test_the_type_is_what_the_bytes_say_not_the_name_or_the_client():
    assert files.sniff(png_bytes()) == files.PNG
    assert files.sniff(b"%PDF-1.7\n...") == files.PDF
    assert files.sniff(HTML) not in files.EVIDENCE_TYPES
    with pytest.raises(files.UploadRefused):
        files.clean_upload(disguised_html())
    with pytest.raises(ValidationFailed) as exc:
        files.accept_upload(disguised_html(), field="attachment")
    assert list(exc.value.errors) == ["attachment"]


def test_a_picture_is_reencoded_and_typed_by_its_bytes():
    data = png_bytes() + b"<script>alert(1)</script>"  # a polyglot: picture + trailer
    kept = files.clean_upload(SimpleUploadedFile("scan.jpg", data, "image/jpeg"))
    assert kept.content_type == files.PNG and kept.name == "scan.png"
    body = kept.read()
    assert b"<script>" not in body
    assert Image.open(io.BytesIO(body)).size == (8, 8)


def test_a_picture_header_over_html_is_refused():
    with pytest.raises(files.UploadRefused):
        files.clean_upload(SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n" + HTML, "image/png"))


def test_size_limit():
    with pytest.raises(files.UploadRefused, match="20 MB"):
        files.clean_upload(
            SimpleUploadedFile("big.pdf", b"%PDF-1.4" + b"0" * (20 * 1024 * 1024), "x")
        )
    assert files.clean_upload(SimpleUploadedFile("ok.pdf", b"%PDF-1.4 ok", "x")).size == 11
    with pytest.raises(files.UploadRefused, match="1 MB"):
        files.check_data_file(SimpleUploadedFile("a.csv", b"a,b\n" * 300_000), max_bytes=1 << 20)


def zip_of(members: dict[str, bytes]) -> SimpleUploadedFile:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return SimpleUploadedFile("book.xlsx", out.getvalue())


def test_a_decompression_bomb_is_refused_before_it_is_read():
    bomb = zip_of({"xl/worksheets/sheet1.xml": b"\0" * (8 * 1024 * 1024)})
    assert bomb.size < 100_000  # compressed more than 200 to one
    with pytest.raises(files.UploadRefused, match="解压后数据量过大"):
        files.check_data_file(bomb)
    with translation.override("en"), pytest.raises(files.UploadRefused, match="expands"):
        files.check_data_file(bomb)
    # The total uncompressed size counts too, whatever the ratio.
    plain = zip_of({"a.csv": os.urandom(300_000), "b.csv": os.urandom(300_000)})
    files.check_zip(plain)
    with pytest.raises(files.UploadRefused):
        files.check_zip(plain, max_total=500_000)
    assert files.check_data_file(plain) == "zip"
    assert files.check_data_file(SimpleUploadedFile("a.csv", "户号,姓名\n1,张三\n".encode())) == (
        "text"
    )
    with pytest.raises(files.UploadRefused):
        files.check_data_file(SimpleUploadedFile("a.csv", png_bytes()))


def test_a_workbook_bomb_is_refused_by_the_comparison_form():
    from fupin.compare.forms import RunForm

    bomb = zip_of({"xl/worksheets/sheet1.xml": b"\0" * (8 * 1024 * 1024)})
    form = RunForm(data={"kind": RunForm.base_fields["kind"].choices[0][0]}, files={"file": bomb})
    assert not form.is_valid()
    assert "file" in form.errors


# ---------------------------------------------------------------- serving private files


def stored(name: str, data: bytes):
    from django.core.files.storage import default_storage

    return default_storage.save(name, ContentFile(data))


@pytest.mark.parametrize("name", ["evidence/photo.png", "evidence/page.html"])
def test_html_stored_before_the_policy_is_never_served_inline(name):
    from django.core.files.storage import default_storage
    from django.db.models.fields.files import FieldFile

    path = stored(name, HTML)
    field = Attachment._meta.get_field("file")
    response = files.private_file(FieldFile(None, field, path), "text/html")
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    default_storage.delete(path)


def test_a_real_picture_or_pdf_is_shown_inline():
    from django.db.models.fields.files import FieldFile

    field = Attachment._meta.get_field("file")
    for name, data, kind in [
        ("p.png", png_bytes(), files.PNG),
        ("r.pdf", b"%PDF-1.4 r", files.PDF),
    ]:
        response = files.private_file(FieldFile(None, field, stored(name, data)), "")
        assert response["Content-Type"] == kind
        assert response["Content-Disposition"].startswith("inline")
        # A view may still ask for a download.
        forced = files.private_file(FieldFile(None, field, stored(name, data)), as_attachment=True)
        assert forced["Content-Disposition"].startswith("attachment")


def test_household_attachment_page_refuses_html_disguised_as_a_picture(client, users, household):
    client.force_login(users["village"])
    url = reverse("attachment_upload", args=[household.pk])
    data = {"kind": "photo", "title": "门前合影", "reason": "", "file": disguised_html()}
    r = client.post(url, data)
    assert r.status_code in (200, 422)
    assert "JPEG" in r.content.decode()
    assert not Attachment.objects.exists()
    # A real picture is kept, re-encoded, typed by its bytes and shown inline.
    data["file"] = SimpleUploadedFile("门前合影.jpg", png_bytes(), "image/jpeg")
    assert client.post(url, data).status_code == 302
    a = Attachment.objects.get()
    assert a.content_type == files.PNG and a.file.name.endswith(".png")


def test_legacy_html_attachment_is_downloaded_not_rendered(client, users, household):
    a = Attachment.objects.create(
        household=household,
        kind="photo",
        title="旧文件",
        file=stored("attachments/old.png", HTML),
        content_type="image/png",
        size=len(HTML),
    )
    client.force_login(users["county"])
    r = client.get(reverse("attachment_download", args=[household.pk, a.pk]))
    if r.status_code == 200:
        assert r["Content-Disposition"].startswith("attachment")
        assert r["Content-Type"] == "application/octet-stream"
    else:  # a role without reveal is refused the file altogether
        assert r.status_code in (403, 404)


# ---------------------------------------------------------------- headers


def test_pages_carry_the_security_headers(client, users):
    r = client.get(reverse("login"))
    csp = r["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "'unsafe-inline'" not in csp and "http" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Referrer-Policy"] == "same-origin"
    assert r["X-Frame-Options"] == "DENY"


def test_templates_use_no_inline_handlers_or_style_attributes():
    from pathlib import Path

    import fupin

    root = Path(fupin.__file__).parent
    offenders = []
    for path in root.glob("*/templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        for bad in (' onclick="', ' onchange="', ' onsubmit="', ' onload="', ' style="'):
            if bad in text:
                offenders.append(f"{path.relative_to(root)}: {bad.strip()}")
        if "<style>" in text or "<script>" in text:
            offenders.append(f"{path.relative_to(root)}: inline block without nonce")
    assert offenders == []


# ---------------------------------------------------------------- safe defaults


def settings_in_a_fresh_process(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FUPIN_")}
    clean.update(env)
    code = (
        "import fupin.settings as s;"
        "print(s.DEBUG, 'testserver' in s.ALLOWED_HOSTS, s.SESSION_COOKIE_SECURE"
        " if hasattr(s, 'SESSION_COOKIE_SECURE') else False,"
        " getattr(s, 'SECURE_HSTS_SECONDS', 0) > 0, s.SESSION_COOKIE_AGE,"
        " s.SESSION_REFRESH_SECONDS)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, check=False
    )


def test_without_a_secret_key_and_debug_the_server_refuses_to_start():
    done = settings_in_a_fresh_process()
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and "FUPIN_SECRET_KEY" in done.stderr


def test_defaults_debug_off_no_testserver_idle_timeout():
    done = settings_in_a_fresh_process(FUPIN_SECRET_KEY="k" * 50)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "False", "False", "1800", "60"]
    debug = settings_in_a_fresh_process(FUPIN_DEBUG="1")
    assert debug.returncode == 0, debug.stderr
    assert debug.stdout.split()[0] == "True"


def test_https_turns_on_secure_cookies_and_hsts():
    done = settings_in_a_fresh_process(
        FUPIN_SECRET_KEY="k" * 50, FUPIN_HTTPS="1", FUPIN_SESSION_IDLE_MINUTES="15"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "True", "True", "900", "60"]


def test_an_idle_session_ends_and_a_used_one_is_moved_on(client, users):
    from django.contrib.sessions.models import Session

    from fupin.core.security import SEEN

    client.force_login(users["village"])
    key = client.session.session_key
    expiry = Session.objects.get(pk=key).expire_date
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    # A request within the refresh minute writes nothing to the session table.
    assert not [q for q in queries if "UPDATE" in q["sql"] and "django_session" in q["sql"]]
    session = client.session
    session[SEEN] = session[SEEN] - 3600
    session.save()
    Session.objects.filter(pk=key).update(expire_date=expiry - dt.timedelta(minutes=20))
    assert client.get(reverse("home")).status_code == 200
    assert Session.objects.get(pk=key).expire_date > expiry - dt.timedelta(minutes=1)
    # A session past its expiry is gone: the next request is sent to log in.
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(reverse("home")).status_code == 302


def test_password_validators():
    from fupin.accounts.models import User

    user = User(username="lijianguo")
    for weak in ("12345678901", "password123", "lijianguo1"):
        with pytest.raises(ValidationError):
            validate_password(weak, user=user)
    validate_password("Yao-shan 7 river bridge", user=user)


# ---------------------------------------------------------------- password storage


def test_passwords_are_stored_with_argon2_and_older_hashes_are_rewritten_on_sign_in(
    settings, users
):
    from django.contrib.auth.hashers import identify_hasher, make_password

    from fupin import settings as project_settings

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # not the tests' MD5
    user = users["village"]
    user.set_password("Yao-shan 7 river bridge")
    user.save()
    user.refresh_from_db()
    assert identify_hasher(user.password).algorithm == "argon2"
    # A hash written before (PBKDF2) still signs in, and is rewritten as Argon2.
    user.password = make_password("Yao-shan 7 river bridge", hasher="pbkdf2_sha256")
    user.save()
    c = attempt("village", "Yao-shan 7 river bridge")
    assert c.response.status_code == 302 and logged_in(c)
    user.refresh_from_db()
    assert identify_hasher(user.password).algorithm == "argon2"
    assert not logged_in(attempt("village", "Yao-shan 7 river bridges"))


# ---------------------------------------------------------------- login lockout


@pytest.fixture
def lockout(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


def attempt(username, password, ip="10.0.0.1") -> Client:
    c = Client(REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en")
    c.response = c.post(reverse("login"), {"username": username, "password": password})
    return c


def logged_in(c: Client) -> bool:
    return "_auth_user_id" in c.session


def test_repeated_failures_lock_the_account_and_a_reset_unlocks(lockout, users, caplog):
    for _ in range(3):
        c = attempt("village", "wrong")
        assert not logged_in(c)
    # The right password is refused now, with a clear message (and from another address).
    c = attempt("village", "pw-village", ip="10.9.9.9")
    assert c.response.status_code == 429
    assert not logged_in(c)
    assert "locked after 3 failed login attempts" in c.response.content.decode()
    assert AccessAttempt.objects.filter(username="village").exists()
    assert AccessFailureLog.objects.filter(username="village").count() >= 3
    # Other users are unaffected from another address.
    assert logged_in(attempt("county", "pw-county", ip="10.9.9.8"))
    with caplog.at_level("WARNING", logger="fupin.security"):
        call_command("axes_reset_username", "village")
    assert "login unlocked: user='village'" in caplog.text
    c = attempt("village", "pw-village", ip="10.9.9.9")
    assert c.response.status_code == 302 and logged_in(c)


def test_an_address_is_throttled_whatever_the_user_name(lockout, users):
    for name in ("a1", "a2", "a3"):
        attempt(name, "guess", ip="10.6.6.6")
    c = attempt("county", "pw-county", ip="10.6.6.6")
    assert c.response.status_code == 429 and not logged_in(c)
    assert logged_in(attempt("county", "pw-county", ip="10.6.6.7"))
    call_command("axes_reset")
    assert logged_in(attempt("county", "pw-county", ip="10.6.6.6"))


def test_behind_a_trusted_proxy_the_forwarded_address_counts(lockout, users, settings):
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    settings.AXES_IPWARE_PROXY_TRUSTED_IPS = ["10.0.0.2"]
    for name in ("b1", "b2", "b3"):
        c = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5, 10.0.0.2")
        c.post(reverse("login"), {"username": name, "password": "x"})
    assert AccessAttempt.objects.filter(ip_address="203.0.113.5").exists()
    assert not AccessAttempt.objects.filter(ip_address="10.0.0.2").exists()


def test_api_tokens_are_unaffected_by_a_lockout(lockout, users, household):
    for _ in range(4):
        attempt("village", "wrong")
    _token, key = ApiToken.issue(users["village"], "t")
    api = Client(headers={"Authorization": f"Bearer {key}"}, REMOTE_ADDR="10.0.0.1")
    assert api.get("/api/v1/households").status_code == 200


@pytest.mark.django_db
def test_a_nul_character_is_refused_before_any_view(client, users):
    """PostgreSQL cannot compare text holding NUL: a search with one was a 500 there."""
    from fupin.accounts.models import ApiToken

    client.force_login(users["village"])
    page = client.get("/households/", {"q": "a\x00b"})
    assert page.status_code == 400
    assert client.get("/households/", {"q": "ab"}).status_code == 200
    _token, key = ApiToken.issue(users["village"], "nul")
    api = client.get("/api/v1/households", {"q": "\x00"}, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.status_code == 422 and api.json()["code"] == "invalid"
    form = client.post("/households/new/", {"address": "x\x00"})
    assert form.status_code == 400
