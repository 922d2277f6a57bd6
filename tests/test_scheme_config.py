"""The scheme reads a labeling config back and says how it differs (no Label Studio needed)."""

from __future__ import annotations

import pytest

from labeling.errors import LabelConfigInvalid
from labeling.scheme import config_differences, default_scheme, parse_label_config, scheme_differences
from labeling.serve.protocol import BadRequest, config_names


def test_the_generated_config_reads_back_as_the_scheme():
    scheme = default_scheme()
    config = parse_label_config(scheme.to_label_config())
    assert config.all_labels() == {l.name: (l.color, l.hotkey) for l in scheme.labels}
    assert config.relations == {r.name for r in scheme.relations}
    tag = config.text_labels()
    assert tag is not None and (tag.name, tag.to_name) == ("label", "text") and config.texts == {"text": "$text"}
    assert config_differences(scheme.to_label_config(), scheme) == []


def test_differences_name_each_label_colour_and_relation():
    scheme = default_scheme()
    changed = (
        scheme.to_label_config()
        .replace('value="WEAPON"', 'value="ARMS"')
        .replace(f'background="{scheme.labels[0].color}"', 'background="#000000"')
        .replace('<Relation value="attributed_to"/>', '<Relation value="quotes"/>')
    )
    diffs = config_differences(changed, scheme)
    assert diffs == [
        "label WEAPON is in the scheme but not in the project",
        "label ARMS is in the project but not in the scheme",
        f"label ACTOR: colour/hotkey ('#000000', '{scheme.labels[0].hotkey}') in the project, ('{scheme.labels[0].color}', '{scheme.labels[0].hotkey}') in the scheme",
        "relation attributed_to is in the scheme but not in the project",
        "relation quotes is in the project but not in the scheme",
    ]
    # Names only, worded for the ML backend's request: colours do not count.
    config = parse_label_config(changed)
    names_only = scheme_differences(scheme, config.all_labels(), config.relations, where="the labeling config", styles=False)
    assert names_only == [d.replace("the project", "the labeling config") for d in diffs if "colour" not in d]


def test_a_config_that_is_not_xml_is_one_difference_for_a_project_and_a_422_for_the_backend():
    scheme = default_scheme()
    with pytest.raises(LabelConfigInvalid) as err:
        parse_label_config("<View><Labels>")
    assert "not valid XML" in str(err.value) and err.value.hint
    (diff,) = config_differences("<View><Labels>", scheme)
    assert diff.startswith("the project's config is not valid XML (")
    with pytest.raises(BadRequest) as bad:
        config_names("<View><Labels>", scheme)
    assert bad.value.status == 422 and bad.value.message.startswith("label_config is not valid XML: ")


def test_the_backend_reads_its_tag_names_and_field_from_the_config():
    scheme = default_scheme()
    renamed = scheme.to_label_config().replace('name="label"', 'name="ner"').replace('name="text" value="$text"', 'name="body" value="$article"')
    renamed = renamed.replace('toName="text"', 'toName="body"')
    names = config_names(renamed, scheme)
    assert (names.text_field, names.from_name, names.to_name) == ("article", "ner", "body")
    with pytest.raises(BadRequest) as bad:
        config_names(renamed.replace('value="WEAPON"', 'value="ARMS"'), scheme)
    assert bad.value.details == ["label WEAPON is in the scheme but not in the labeling config", "label ARMS is in the labeling config but not in the scheme"]
