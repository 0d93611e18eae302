import json

import httpx
import numpy as np
import pytest

from likeness.behave.respond import ChatBrain, Reaction, RuleBrain, brain_from_settings, respond
from likeness.blendshapes import INDEX
from likeness.cli import main
from likeness.errors import InputError, SourceError


@pytest.mark.parametrize(
    "user, listening, speaking",
    [
        ("Guess what, I got the job!", "surprise", "auto"),
        ("This is RIDICULOUS, I am so ANGRY!", "calm", "calm"),
        ("I'm scared, the doctor called about my results.", "calm", "calm"),
        ("Thank you so much for your help.", "joy", "auto"),
        ("My dog died yesterday.", "sadness", "auto"),
        ("The train leaves at nine.", "neutral", "auto"),
    ],
)
def test_rule_brain(user, listening, speaking):
    reaction = RuleBrain().react(user, "I see.")
    assert (reaction.listening_emotion, reaction.speaking_emotion) == (listening, speaking)


@pytest.fixture(scope="module")
def responses():
    exchanges = {
        "news": ("Guess what, I got the job!", "That is wonderful news, congratulations!"),
        "tense": (
            "This is RIDICULOUS, I am so ANGRY!",
            "I understand. Let us sort it out together.",
        ),
        "thanks": ("Thank you so much for your help.", "You are very welcome."),
    }
    return {k: respond(user, reply, seed=2) for k, (user, reply) in exchanges.items()}


def listening_mean(response, *names: str) -> float:
    a = response.animation
    before = a.t_s < a.metadata["reply_start_s"]
    return float(a.weights[before][:, [INDEX[n] for n in names]].mean())


def test_the_face_reacts_before_the_reply(responses):
    raised = {k: listening_mean(r, "browOuterUpLeft", "eyeWideLeft") for k, r in responses.items()}
    smile = {k: listening_mean(r, "mouthSmileLeft") for k, r in responses.items()}
    assert max(raised, key=raised.get) == "news"
    assert max(smile, key=smile.get) == "thanks"
    assert raised["tense"] < 0.05 and smile["tense"] < smile["thanks"] / 2


def test_the_reply_is_spoken_after_the_listening_turn(responses):
    a = responses["news"].animation
    start = a.metadata["reply_start_s"]
    assert a.tracks["listening"] == [{"start_s": 0.0, "end_s": pytest.approx(start, abs=0.02)}]
    assert min(p["start_s"] for p in a.tracks["phonemes"]) >= start - 1e-6
    jaw = a.weights[:, INDEX["jawOpen"]]
    assert jaw[a.t_s < start].max() == 0.0 and jaw[a.t_s > start].max() > 0.2
    assert responses["news"].sr and len(responses["news"].audio) > 0
    assert a.tracks["emotions"][0]["emotion"] == "surprise"
    assert a.tracks["emotions"][-1]["emotion"] == "joy"


def chat_transport(content: str, seen: list):
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, json={"choices": [{"message": {"role": "assistant", "content": content}}]}
        )

    return httpx.MockTransport(handler)


def test_chat_brain_sends_the_exchange_and_reads_the_reaction():
    seen: list = []
    answer = (
        '```json\n{"listening": {"emotion": "fear", "intensity": 0.4}, '
        '"speaking": {"emotion": "calm", "intensity": 0.3}, "reason": "worried"}\n```'
    )
    brain = ChatBrain(
        "http://brain.test/v1/", "tiny", api_key="k", transport=chat_transport(answer, seen)
    )
    reaction = brain.react("Is it safe?", "Yes.")
    assert reaction == Reaction("fear", 0.4, "calm", 0.3, "worried")
    request = seen[0]
    assert str(request.url) == "http://brain.test/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer k"
    body = json.loads(request.content)
    assert body["model"] == "tiny"
    assert json.loads(body["messages"][1]["content"]) == {"user": "Is it safe?", "reply": "Yes."}


@pytest.mark.parametrize(
    "content",
    [
        "I think surprise",
        '{"listening": {"emotion": "smug", "intensity": 1}, "speaking": {"emotion": "auto"}}',
    ],
)
def test_chat_brain_rejects_answers_that_are_not_reactions(content):
    brain = ChatBrain("http://brain.test/v1", "m", transport=chat_transport(content, []))
    with pytest.raises((SourceError, InputError)):
        brain.react("a", "b")


def test_chat_brain_reports_a_failing_endpoint():
    transport = httpx.MockTransport(lambda request: httpx.Response(500, text="overloaded"))
    with pytest.raises(SourceError, match="brain.test"):
        ChatBrain("http://brain.test/v1", "m", transport=transport).react("a", "b")


def test_rules_are_the_default_and_a_url_turns_the_chat_brain_on(monkeypatch):
    monkeypatch.delenv("LIKENESS_BRAIN_URL", raising=False)
    assert isinstance(brain_from_settings(), RuleBrain)
    monkeypatch.setenv("LIKENESS_BRAIN_URL", "http://brain.test/v1")
    monkeypatch.setenv("LIKENESS_BRAIN_MODEL", "m2")
    brain = brain_from_settings()
    assert isinstance(brain, ChatBrain) and brain.model == "m2"


def test_respond_command_writes_json_and_csv(tmp_path, monkeypatch):
    monkeypatch.delenv("LIKENESS_BRAIN_URL", raising=False)
    from likeness.formats import read_animation

    for suffix in (".json", ".csv"):
        out = tmp_path / f"reply{suffix}"
        assert (
            main(["respond", "--user", "Thanks a lot!", "--reply", "Any time.", "-o", str(out)])
            == 0
        )
        animation = read_animation(out)
        assert (
            animation.duration_s > 2 and animation.weights[:, INDEX["mouthSmileLeft"]].max() > 0.2
        )


def test_respond_command_refuses_bad_requests(tmp_path, capsys):
    assert main(["respond", "--user", " ", "--reply", "x", "-o", str(tmp_path / "a.json")]) == 2
    assert main(["respond", "--user", "a", "--reply", "b", "-o", str(tmp_path / "a.txt")]) == 2
    assert "expected .csv or .json or .mp4" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
def test_respond_to_video_with_the_voice_after_the_listening_turn(tmp_path, capsys):
    import av

    out = tmp_path / "a.mp4"
    argv = ["respond", "--user", "Thanks!", "--reply", "You are welcome.", "-o", str(out)]
    assert main(argv) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["a.mp4"]
    with av.open(str(out)) as container:
        audio = container.streams.audio[0]
        pcm = np.concatenate([f.to_ndarray().mean(axis=0) for f in container.decode(audio)])
        rate = audio.rate
    voiced = np.flatnonzero(np.abs(pcm) > 0.02) / rate
    # The user's turn (1.5 s) and the 0.3 s gap are silent; then the reply is heard.
    assert voiced[0] == pytest.approx(1.8, abs=0.15)
