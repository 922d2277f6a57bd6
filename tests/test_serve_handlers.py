"""The backend's route handlers one by one, without Label Studio: a tiny real spaCy pipeline behind them."""

from __future__ import annotations

import asyncio

import pytest
import spacy
from starlette.testclient import TestClient

from labeling.serve.app import create_app
from labeling.serve.handlers import Backend
from labeling.serve.model import LoadedModel, ModelHolder
from labeling.serve.protocol import BadRequest
from labeling.serve.settings import ServeSettings


@pytest.fixture(scope="module")
def holder() -> ModelHolder:
    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "WEAPON", "pattern": "drones"}])
    return ModelHolder(LoadedModel(nlp, "tiny", "tiny-1", False))


def test_health_names_the_model_and_says_training_is_off(holder):
    answer = asyncio.run(Backend(holder, settings=ServeSettings(max_chars=500)).health())
    body = answer.body.decode()
    assert answer.status_code == 200
    assert '"model_version":"tiny-1"' in body and '"training":{"state":"disabled"}' in body and '"max_chars":500' in body


def test_webhook_refuses_an_unknown_action_and_training_when_it_is_off(holder):
    backend = Backend(holder)
    with pytest.raises(BadRequest) as unknown:
        asyncio.run(backend.webhook({"action": "SOMETHING_NEW", "project": {"id": 3}}))
    assert unknown.value.status == 400 and "SOMETHING_NEW" in unknown.value.message and "START_TRAINING" in (unknown.value.hint or "")
    with pytest.raises(BadRequest) as off:
        asyncio.run(backend.train({"project": {"id": 3}}))
    assert off.value.status == 409
    ignored = asyncio.run(backend.webhook({"action": "ANNOTATION_CREATED", "project": {"id": 3}}))
    assert ignored.status_code == 200 and b"--train-every is off" in ignored.body


def test_bad_json_is_a_400_json_answer_and_the_app_keeps_serving(holder):
    client = TestClient(create_app(holder))
    r = client.post("/predict", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "not valid JSON" in r.json()["error"] and "hint" in r.json()
    r = client.post("/predict", json=["a list"])
    assert r.status_code == 400 and r.json() == {"error": "the request body must be a JSON object"}
    r = client.post("/predict", json={"tasks": [{"id": 7, "data": {"text": "Two drones fell."}}]})
    assert r.status_code == 200 and r.json()["model_version"] == "tiny-1" and len(r.json()["results"]) == 1
    assert client.get("/health").json()["status"] == "UP"
