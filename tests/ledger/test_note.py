"""C2SP signed notes and checkpoints: Go's sumdb/note vectors, round trips, and every refusal."""

from __future__ import annotations

import base64
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from soai.ledger.merkle import EMPTY_ROOT, leaf_hash
from soai.ledger.note import (
    Checkpoint,
    NoteError,
    checkpoint_body,
    key_hash,
    open_note,
    parse_checkpoint,
    parse_vkey,
    sign_note,
    vkey,
)

VKEY_FORMAT = re.compile(r"^[^+\s]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$")

# golang.org/x/mod/sumdb/note note_test.go (BSD-3-Clause): a private key in Go's
# PRIVATE+KEY+name+keyid+base64(0x01 ‖ Ed25519 seed) form, its verifier key, and the exact
# bytes Go's note.Sign writes and note.Open accepts.
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotp"
    "RZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox"
    "33WWd1RvMc+QQ=\n"
)

# c2sp.org/tlog-checkpoint's example note text (its key is not published).
SPEC_CHECKPOINT = (
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
)


def _peter() -> tuple[Ed25519PrivateKey, bytes]:
    encoded = base64.b64decode(PETER_SKEY.split("+", 4)[4])
    assert encoded[0] == 0x01
    private = Ed25519PrivateKey.from_private_bytes(encoded[1:])
    return private, private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _generated() -> tuple[Ed25519PrivateKey, bytes]:
    private = Ed25519PrivateKey.generate()
    return private, private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


# --- Go sumdb/note vectors ---------------------------------------------------------------------


def test_key_id_and_vkey_match_go_for_the_same_seed() -> None:
    _, public = _peter()
    assert key_hash("PeterNeumann", public).hex() == "c74f20a3"
    assert vkey("PeterNeumann", public) == PETER_VKEY
    assert parse_vkey(PETER_VKEY) == ("PeterNeumann", bytes.fromhex("c74f20a3"), public)
    assert parse_vkey(ENOCH_VKEY)[:2] == ("EnochRoot", bytes.fromhex("af0cfe78"))


def test_signing_writes_the_bytes_go_writes() -> None:
    private, public = _peter()
    assert sign_note(GO_TEXT, "PeterNeumann", private.sign, public) == GO_TEXT + "\n" + PETER_SIG


def test_go_notes_open_with_any_trusted_key_and_ignore_the_others() -> None:
    both = GO_TEXT + "\n" + PETER_SIG + ENOCH_SIG
    assert open_note(both, [PETER_VKEY]) == GO_TEXT
    assert open_note(both, [ENOCH_VKEY]) == GO_TEXT
    assert open_note(both, [PETER_VKEY, ENOCH_VKEY, PETER_VKEY]) == GO_TEXT
    with pytest.raises(NoteError, match=r"^the note has no signature by a trusted key$"):
        open_note(both, [])
    repeated = GO_TEXT + "\n" + PETER_SIG * 2 + ENOCH_SIG * 2
    assert open_note(repeated, [PETER_VKEY]) == GO_TEXT


def test_go_note_with_a_corrupted_trusted_signature_is_refused() -> None:
    corrupted = GO_TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(
        NoteError, match=r"^the signature of PeterNeumann\+c74f20a3 does not verify$"
    ):
        open_note(corrupted, [PETER_VKEY])
    # A corrupted line by a key nobody trusts is ignored, as Go does.
    enoch_corrupted = ENOCH_SIG[:60] + "ABCD" + ENOCH_SIG[60:]
    assert open_note(GO_TEXT + "\n" + PETER_SIG + enoch_corrupted, [PETER_VKEY]) == GO_TEXT


@pytest.mark.parametrize(
    "text",
    [
        GO_TEXT,
        GO_TEXT + "\n",
        GO_TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + GO_TEXT + "\n" + PETER_SIG,
        "\ud800" + GO_TEXT + "\n" + PETER_SIG,  # not encodable as UTF-8
        GO_TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Bad Name", 1).rstrip("\n"),
        GO_TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        GO_TEXT + "\n" + PETER_SIG * 101,
    ],
    ids=[
        "no signatures",
        "blank line only",
        "no final newline",
        "control character",
        "invalid utf-8",
        "bad key name",
        "unexpected line",
        "101 signatures",
    ],
)
def test_malformed_go_notes_are_refused(text: str) -> None:
    with pytest.raises(NoteError):
        open_note(text, [PETER_VKEY])


def test_go_verifier_key_manglings_are_refused() -> None:
    refused = 0
    for start in range(len(PETER_VKEY) + 1):
        for end in range(start + 1, len(PETER_VKEY) + 1):
            if (start, end) != (0, len(PETER_VKEY)):
                with pytest.raises(NoteError):
                    parse_vkey(PETER_VKEY[start:end])
                refused += 1
    for position in range(len(PETER_VKEY)):
        mangled = (
            PETER_VKEY[:position] + chr(ord(PETER_VKEY[position]) + 1) + PETER_VKEY[position + 1 :]
        )
        with pytest.raises(NoteError):
            parse_vkey(mangled)
        refused += 1
    assert refused > 2000
    with pytest.raises(NoteError):  # wrong length, key ID adjusted
        parse_vkey("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==")
    long_key = bytes([0x01]) + bytes(33)
    with pytest.raises(NoteError, match="is 33 bytes, not 32"):
        parse_vkey(f"x+{key_hash('x', long_key[1:]).hex()}+{base64.b64encode(long_key).decode()}")
    with pytest.raises(NoteError, match="not an Ed25519 key"):  # unknown type, key ID adjusted
        parse_vkey("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")


# --- Round trips and refusals with fresh keys ----------------------------------------------------


def test_checkpoint_round_trip_through_a_signed_note() -> None:
    private, public = _generated()
    top = leaf_hash(b"entry")
    body = checkpoint_body("soai.example/ledger", 42, top)
    assert body == f"soai.example/ledger\n42\n{base64.b64encode(top).decode()}\n"
    signed = sign_note(body, "soai.example/ledger", private.sign, public)
    assert signed.startswith(body + "\n— soai.example/ledger ")
    opened = open_note(signed, [vkey("soai.example/ledger", public)])
    assert opened == body
    assert parse_checkpoint(opened) == Checkpoint("soai.example/ledger", 42, top)


def test_vkey_has_the_go_shape() -> None:
    _, public = _generated()
    text = vkey("soai.example/ledger", public)
    assert VKEY_FORMAT.match(text)
    assert VKEY_FORMAT.match(PETER_VKEY)
    name, key_id, parsed = parse_vkey(text)
    assert (name, key_id, parsed) == ("soai.example/ledger", key_hash(name, public), public)
    with pytest.raises(NoteError, match="does not match its key"):
        parse_vkey(text.replace(key_id.hex(), bytes(4).hex(), 1))


def test_tampered_body_is_refused() -> None:
    private, public = _generated()
    signed = sign_note(checkpoint_body("log", 7, EMPTY_ROOT), "log", private.sign, public)
    with pytest.raises(NoteError, match=r"^the signature of log\+[0-9a-f]{8} does not verify$"):
        open_note(signed.replace("\n7\n", "\n8\n"), [vkey("log", public)])


def test_a_note_signed_by_another_key_is_refused() -> None:
    private, public = _generated()
    _, other = _generated()
    signed = sign_note(GO_TEXT, "log", private.sign, public)
    with pytest.raises(NoteError, match=r"^the note has no signature by a trusted key$"):
        open_note(signed, [vkey("log", other)])


def _flip_signature_bit(note: str, name: str, position: int = 10) -> str:
    """Flip one bit of ``name``'s signature line: in the key ID (position < 4) or the signature."""
    prefix = f"\n— {name} "
    start = note.index(prefix) + len(prefix)
    end = note.index("\n", start)
    raw = bytearray(base64.b64decode(note[start:end]))
    raw[position] ^= 1
    return note[:start] + base64.b64encode(bytes(raw)).decode() + note[end:]


def test_a_signature_line_with_a_wrong_key_id_is_ignored() -> None:
    private, public = _generated()
    signed = sign_note(GO_TEXT, "log", private.sign, public)
    forged = _flip_signature_bit(signed, "log", position=0)
    with pytest.raises(NoteError, match=r"^the note has no signature by a trusted key$"):
        open_note(forged, [vkey("log", public)])


def test_a_note_without_signature_lines_is_refused() -> None:
    _, public = _generated()
    with pytest.raises(NoteError, match="no blank line"):
        open_note(GO_TEXT, [vkey("log", public)])
    with pytest.raises(NoteError, match="no signature lines after its blank line"):
        open_note(GO_TEXT + "\n", [vkey("log", public)])
    with pytest.raises(NoteError, match="signature line 1 does not start with an em dash"):
        open_note(GO_TEXT + "\n" + "- log AAAA\n", [vkey("log", public)])


def test_an_extra_unknown_signer_is_ignored_but_a_bad_trusted_one_is_not() -> None:
    log_key, log_public = _generated()
    witness_key, witness_public = _generated()
    signed = sign_note(GO_TEXT, "log", log_key.sign, log_public)
    cosigned = sign_note(GO_TEXT, "witness", witness_key.sign, witness_public)
    both = signed + cosigned[len(GO_TEXT) + 1 :]
    assert open_note(both, [vkey("log", log_public)]) == GO_TEXT
    assert open_note(both, [vkey("witness", witness_public)]) == GO_TEXT
    assert open_note(both, [vkey("log", log_public), vkey("witness", witness_public)]) == GO_TEXT
    # A trusted key's line that fails to verify rejects the whole note, even beside a good one.
    broken = _flip_signature_bit(both, "witness")
    with pytest.raises(NoteError, match=r"^the signature of witness\+[0-9a-f]{8} does not verify$"):
        open_note(broken, [vkey("log", log_public), vkey("witness", witness_public)])


def test_signing_refuses_what_no_verifier_could_open() -> None:
    private, public = _generated()
    _, other = _generated()
    with pytest.raises(NoteError, match="does not end with a newline"):
        sign_note("no newline", "log", private.sign, public)
    with pytest.raises(NoteError, match="control character"):
        sign_note("tab\there\n", "log", private.sign, public)
    with pytest.raises(NoteError, match="space or a plus sign"):
        sign_note(GO_TEXT, "bad name", private.sign, public)
    with pytest.raises(NoteError, match="space or a plus sign"):
        sign_note(GO_TEXT, "a+b", private.sign, public)
    with pytest.raises(NoteError, match="does not verify under the key of log"):
        sign_note(GO_TEXT, "log", private.sign, other)


def test_note_text_may_contain_blank_lines() -> None:
    private, public = _generated()
    text = "first\n\nsecond\n"
    assert open_note(sign_note(text, "log", private.sign, public), [vkey("log", public)]) == text


# --- Checkpoint text -----------------------------------------------------------------------


def test_the_spec_example_checkpoint_parses() -> None:
    checkpoint = parse_checkpoint(SPEC_CHECKPOINT)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert len(checkpoint.root) == 32
    assert checkpoint_body(checkpoint.origin, checkpoint.size, checkpoint.root) == SPEC_CHECKPOINT


def test_empty_tree_checkpoint_has_size_zero() -> None:
    body = checkpoint_body("log", 0, EMPTY_ROOT)
    assert parse_checkpoint(body) == Checkpoint("log", 0, EMPTY_ROOT)


ROOT_B64 = base64.b64encode(EMPTY_ROOT).decode()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (f"log\n007\n{ROOT_B64}\n", "leading zeros"),
        (f"log\n-1\n{ROOT_B64}\n", "leading zeros"),
        (f"log\n+5\n{ROOT_B64}\n", "leading zeros"),
        (f"log\n 5\n{ROOT_B64}\n", "leading zeros"),
        (f"log\n{2**64}\n{ROOT_B64}\n", "64 bits"),
        (f"log\n5\n{base64.b64encode(EMPTY_ROOT[:31]).decode()}\n", "31 bytes, not 32"),
        (f"log\n5\n{ROOT_B64.rstrip('=')}\n", "not standard base64"),
        (f"log\n5\n{ROOT_B64[:-2]}V=\n", "not canonical base64"),
        (f"\n5\n{ROOT_B64}\n", "origin is empty"),
        (f"log\n5\n{ROOT_B64}\nextension\n", "1 extension lines"),
        (f"log\n5\n{ROOT_B64}", "does not end with a newline"),
        ("log\n5\n", "2 lines"),
        (f"log\r\n5\n{ROOT_B64}\n", "control character"),
    ],
)
def test_malformed_checkpoints_are_refused(body: str, reason: str) -> None:
    with pytest.raises(NoteError, match=re.escape(reason)):
        parse_checkpoint(body)


def test_checkpoint_body_refuses_what_could_not_be_parsed() -> None:
    with pytest.raises(NoteError, match="origin is empty"):
        checkpoint_body("", 1, EMPTY_ROOT)
    with pytest.raises(NoteError, match="several lines"):
        checkpoint_body("a\nb", 1, EMPTY_ROOT)
    with pytest.raises(NoteError, match="out of range"):
        checkpoint_body("log", -1, EMPTY_ROOT)
    with pytest.raises(NoteError, match="not 32"):
        checkpoint_body("log", 1, b"short")
