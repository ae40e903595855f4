"""Signed tokens and password hashes."""
import pytest

from handoff.tokens import (
    ROLE_AGENT,
    ROLE_SHOPPER,
    InvalidToken,
    TokenSigner,
    check_password,
    hash_password,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_token_names_its_subject_and_role():
    signer = TokenSigner("s" * 32)
    token, expires_at = signer.issue("u1001", ROLE_SHOPPER, 60)
    identity = signer.verify(token, ROLE_SHOPPER)
    assert (identity.subject, identity.role, identity.expires_at) == ("u1001", ROLE_SHOPPER, expires_at)


@pytest.mark.parametrize("token", [None, "", "abc", "a.b.c", "不是令牌.签名", "eyJ9.AAAA"])
def test_malformed_tokens_are_refused(token):
    with pytest.raises(InvalidToken):
        TokenSigner("s" * 32).verify(token, ROLE_SHOPPER)


def test_a_token_signed_with_another_secret_is_refused():
    forged, _ = TokenSigner("x" * 32).issue("u1001", ROLE_SHOPPER, 60)
    with pytest.raises(InvalidToken):
        TokenSigner("s" * 32).verify(forged, ROLE_SHOPPER)


def test_changing_the_subject_breaks_the_signature():
    signer = TokenSigner("s" * 32)
    token, _ = signer.issue("u1001", ROLE_SHOPPER, 60)
    other, _ = signer.issue("u1002", ROLE_SHOPPER, 60)
    spliced = other.split(".")[0] + "." + token.split(".")[1]
    with pytest.raises(InvalidToken):
        signer.verify(spliced, ROLE_SHOPPER)


def test_a_shopper_token_is_not_an_agent_token():
    signer = TokenSigner("s" * 32)
    token, _ = signer.issue("u1001", ROLE_SHOPPER, 60)
    with pytest.raises(InvalidToken):
        signer.verify(token, ROLE_AGENT)


def test_tokens_expire():
    clock = Clock()
    signer = TokenSigner("s" * 32, clock)
    token, _ = signer.issue("a01", ROLE_AGENT, 60)
    clock.now += 59
    assert signer.verify(token, ROLE_AGENT).subject == "a01"
    clock.now += 2
    with pytest.raises(InvalidToken):
        signer.verify(token, ROLE_AGENT)


def test_password_hashes_are_salted_and_checkable():
    first, second = hash_password("正确的密码123"), hash_password("正确的密码123")
    assert first != second
    assert check_password("正确的密码123", first)
    assert not check_password("错误的密码123", first)
    assert not check_password("正确的密码123", "garbage")
