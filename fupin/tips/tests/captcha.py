"""Solving the image CAPTCHA of a public form in a test, the honest way: read the
challenge's key from the page and its answer from the CaptchaStore (CAPTCHA_TEST_MODE
stays off)."""

from __future__ import annotations

import re

from captcha.models import CaptchaStore

KEY = re.compile(r'<input[^>]*name="captcha_0"[^>]*>')
VALUE = re.compile(r'value="([^"]+)"')


def challenge_key(response) -> str:
    tag = KEY.search(response.content.decode())
    assert tag, "no captcha on the page"
    return VALUE.search(tag.group(0)).group(1)


def solved(response) -> dict[str, str]:
    """The captcha fields of the form on `response`, answered right."""
    key = challenge_key(response)
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


def wrong(response) -> dict[str, str]:
    key = challenge_key(response)
    right = CaptchaStore.objects.get(hashkey=key).response
    return {"captcha_0": key, "captcha_1": "x" + right}
