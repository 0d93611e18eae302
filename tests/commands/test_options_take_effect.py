"""An option the user gives takes effect, or the command refuses it saying why: none is dropped
silently because another option was left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from likeness.blendshapes import INDEX
from likeness.cli import main
from likeness.formats import read_animation

JOY = [INDEX[name] for name in ("mouthSmileLeft", "mouthSmileRight", "cheekSquintLeft",
                                "cheekSquintRight")]
"""What joy adds (AU 6 and 12): the tracked photo already smiles broadly, not with her cheeks."""


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A spoken line (.wav) and its text."""
    from likeness.sources.audio import write_wav
    from likeness.speech.tts import synthesize

    text = "What a lovely day it is."
    spoken = synthesize(text)
    path = tmp_path_factory.mktemp("speech") / "line.wav"
    write_wav(path, spoken.pcm, spoken.sample_rate_hz)
    return path, text


@pytest.fixture(scope="module")
def face_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from likeness.bench.tracking import write_face_clip

    path = tmp_path_factory.mktemp("video") / "face.mp4"
    write_face_clip(path, n_frames=12)
    return path


def _command(name: str, speech: tuple[Path, str], face_clip: Path) -> list[str]:
    wav, text = speech
    return {"say": ["say", text], "lipsync": ["lipsync", str(wav), "--text", text],
            "track": ["track", str(face_clip)]}[name]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["say", "lipsync", "track"])
def test_an_emotion_brings_its_layer(name, speech, face_clip, tmp_path) -> None:
    argv = _command(name, speech, face_clip)
    plain, joyful = tmp_path / "plain.json", tmp_path / "joy.json"
    assert main([*argv, "-o", str(plain)]) == 0
    assert main([*argv, "-o", str(joyful), "--emotion", "joy"]) == 0
    a, b = read_animation(plain), read_animation(joyful)
    assert "behaviour" not in a.metadata
    assert b.metadata["behaviour"]["layers"] == ["emotion"]
    later = slice(len(b) // 2, None)  # once the expression has come in
    assert b.weights[later, JOY].mean() > a.weights[later, JOY].mean() + 0.1


def test_look_at_brings_the_gaze_layer(speech, face_clip, tmp_path) -> None:
    out = tmp_path / "take.json"
    assert main([*_command("say", speech, face_clip), "-o", str(out), "--look-at", "ahead"]) == 0
    assert read_animation(out).metadata["behaviour"]["layers"] == ["gaze"]
    out = tmp_path / "auto.json"
    assert main([*_command("say", speech, face_clip), "-o", str(out), "--emotion", "auto",
                 "--behave", "blink"]) == 0
    assert read_animation(out).metadata["behaviour"]["layers"] == ["blink", "emotion"]


@pytest.mark.parametrize(("argv", "complaint"), [
    (["say", "Hello.", "--behave-seed", "3"], "--behave-seed seeds blink, gaze, idle"),
    (["say", "Hello.", "--behave", "emotion", "--behave-seed", "3"], "--behave-seed seeds"),
    (["lipsync", "{wav}", "--device", "1"], "--device picks the microphone: it needs --mic"),
    (["lipsync", "{wav}", "--duration", "1"], "--duration stops the live path"),
    (["lipsync", "{wav}", "--text", "hi", "--recognizer", "fast"], "the transcript is aligned"),
    (["lipsync", "{wav}", "--stream", "--recognizer", "fast"], "its own streaming recogniser"),
    (["lipsync", "{wav}", "--stream", "--emotion", "joy"], "work on a whole take"),
    (["track", "camera:0", "--send", "livelink://127.0.0.1:9", "--behave", "blink"],
     "the live --send stream goes out as tracked"),
])
def test_an_option_that_cannot_take_effect_is_refused(argv, complaint, speech, tmp_path,
                                                      capsys) -> None:
    out = tmp_path / "take.json"
    argv = [a.replace("{wav}", str(speech[0])) for a in argv]
    assert main([*argv, "-o", str(out)]) == 2
    assert complaint in capsys.readouterr().err
    assert not out.exists() and not out.with_suffix(".wav").exists()


def test_render_at_is_for_a_still(tmp_path, capsys) -> None:
    from likeness.formats import write_animation
    from likeness.frame import Animation
    from likeness.trust import output_guard

    take = tmp_path / "take.csv"
    write_animation(Animation.neutral(4, 30.0), take, guard=output_guard())
    out = tmp_path / "clip.gif"
    assert main(["render", str(take), "-o", str(out), "--at", "0.1", "--size", "64",
                 "--no-progress"]) == 2
    assert "picks the still of a .png, not a .gif" in capsys.readouterr().err
    assert not out.exists()


def test_complete_train_refuses_the_options_of_completing(tmp_path, capsys) -> None:
    out = tmp_path / "me.npz"
    for extra in (["--no-blinks"], ["--context", "film-x"]):
        assert main(["complete", "--train", "a.csv", "-o", str(out), *extra]) == 2
        assert f"not {extra[0]} (those are for completing a take)" in capsys.readouterr().err
    assert not out.exists()


def test_complete_seed_with_no_blinks_is_refused(tmp_path, capsys) -> None:
    from likeness.behave.synthetic import synthetic_take
    from likeness.formats import write_animation
    from likeness.trust import output_guard

    take = tmp_path / "take.csv"
    write_animation(synthetic_take(1, person_seed=1, take_seed=0), take, guard=output_guard())
    out = tmp_path / "full.csv"
    assert main(["complete", str(take), "-o", str(out), "--no-blinks", "--seed", "4"]) == 2
    assert "with --no-blinks none are" in capsys.readouterr().err
    assert not out.exists()


def test_bench_names_its_stages(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["bench", "--only", "trackin"])
    assert "invalid choice: 'trackin'" in capsys.readouterr().err


def test_avatar_for_a_contact_sheet_only(tmp_path, capsys) -> None:
    out = tmp_path / "me.glb"
    assert main(["avatar", "-o", str(out), "--avatar", str(tmp_path / "other.glb")]) == 2
    assert "--avatar picks the avatar of --contact-sheet" in capsys.readouterr().err
    assert not out.exists()


def test_a_brain_model_needs_an_endpoint(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("LIKENESS_BRAIN_URL", raising=False)
    out = tmp_path / "reply.json"
    assert main(["respond", "--user", "Hi", "--reply", "Hello", "-o", str(out),
                 "--brain-model", "llama"]) == 2
    assert "a brain model ('llama') needs an endpoint" in capsys.readouterr().err
    assert not out.exists()


def test_keys_init_name_is_for_the_local_ca(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("LIKENESS_HOME", str(tmp_path / "home"))
    assert main(["keys", "init", "--name", "Studio", "--chain", str(tmp_path / "chain.pem"),
                 "--key", str(tmp_path / "leaf.pem")]) == 2
    assert "--name goes into the local CA's certificates" in capsys.readouterr().err
    assert not (tmp_path / "home").exists()
