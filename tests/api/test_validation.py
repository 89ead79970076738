"""The model-driven validation and AWS's ValidationException text
(docs/api.md#the-validationexception-text)."""

from __future__ import annotations

import pytest

from emulator.errors import ValidationException
from emulator.validation import compiled_pattern, render_value, validate_request


def message_of(operation: str, body: dict) -> str:
    with pytest.raises(ValidationException) as caught:
        validate_request(operation, body)
    assert caught.value.code == "ValidationException"
    return caught.value.message


def test_spec_example_two_violations_on_one_member_in_documented_order():
    name = "my_job_name_that_is_way_too_long_for_the_limit_of_sixty_three_chars"
    message = message_of("DescribeLabelingJob", {"LabelingJobName": name})
    assert message == (
        f"2 validation errors detected: Value '{name}' at 'labelingJobName' failed to satisfy "
        "constraint: Member must have length less than or equal to 63; "
        f"Value '{name}' at 'labelingJobName' failed to satisfy constraint: Member must satisfy "
        "regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"
    )


def test_single_violation_uses_the_singular_prefix():
    message = message_of("DescribeWorkteam", {})
    assert message == (
        "1 validation error detected: Value null at 'workteamName' failed to satisfy "
        "constraint: Member must not be null"
    )


def test_patterns_must_match_the_whole_value():
    # The model pattern is unanchored; AWS still rejects a name with `_` in it.
    message = message_of("DescribeLabelingJob", {"LabelingJobName": "a_b"})
    assert "Value 'a_b' at 'labelingJobName'" in message


def test_nested_paths_list_members_ranges_and_enums_in_member_order():
    message = message_of(
        "ListLabelingJobs",
        {"MaxResults": 0, "SortBy": "Size", "SortOrder": "Up", "NameContains": "a b"},
    )
    assert message == (
        "4 validation errors detected: "
        "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value "
        "greater than or equal to 1; "
        "Value 'a b' at 'nameContains' failed to satisfy constraint: Member must satisfy "
        "regular expression pattern: [a-zA-Z0-9\\-]+; "
        "Value 'Size' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value "
        "set: [Name, CreationTime, Status]; "
        "Value 'Up' at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value "
        "set: [Ascending, Descending]"
    )


def test_list_items_are_addressed_by_one_based_index():
    message = message_of(
        "AddTags",
        {
            "ResourceArn": "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/t",
            "Tags": [{"Key": "ok", "Value": "v"}, {"Key": "", "Value": "v"}],
        },
    )
    assert message == (
        "1 validation error detected: Value '' at 'tags.2.member.key' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1"
    )


def test_unicode_classes_of_tag_patterns_are_understood():
    validate_request(
        "AddTags",
        {
            "ResourceArn": "arn:aws:sagemaker:us-east-1:123456789012:human-task-ui/x",
            "Tags": [{"Key": "Équipe données", "Value": "été 2024"}],
        },
    )
    message = message_of(
        "AddTags",
        {
            "ResourceArn": "arn:aws:sagemaker:us-east-1:123456789012:human-task-ui/x",
            "Tags": [{"Key": "no*stars", "Value": "v"}],
        },
    )
    assert "at 'tags.1.member.key'" in message
    assert "Member must satisfy regular expression pattern: ([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)" in (
        message
    )


def test_lists_and_maps_render_java_style():
    message = message_of(
        "CreateLabelingJob",
        {"HumanTaskConfig": {"TaskKeywords": ["a", "b", "c", "d", "e", "f"]}},
    )
    assert (
        "Value '[a, b, c, d, e, f]' at 'humanTaskConfig.taskKeywords' failed to satisfy "
        "constraint: Member must have length less than or equal to 5"
    ) in message
    assert render_value({"k": "v", "n": 1}) == "{k=v, n=1}"


def test_list_tags_page_size_has_a_minimum_of_50():
    arn = "arn:aws:sagemaker:us-east-1:123456789012:human-task-ui/x"
    message = message_of("ListTags", {"ResourceArn": arn, "MaxResults": 10})
    assert message == (
        "1 validation error detected: Value '10' at 'maxResults' failed to satisfy "
        "constraint: Member must have value greater than or equal to 50"
    )


def test_sensitive_values_are_not_echoed():
    oidc = {
        "ClientId": "client",
        "ClientSecret": "s\u00e9cret",
        "Issuer": "https://issuer.example.com",
        "AuthorizationEndpoint": "https://issuer.example.com/authorize",
        "TokenEndpoint": "https://issuer.example.com/token",
        "UserInfoEndpoint": "https://issuer.example.com/userinfo",
        "LogoutEndpoint": "https://issuer.example.com/logout",
        "JwksUri": "https://issuer.example.com/jwks",
    }
    message = message_of("CreateWorkforce", {"WorkforceName": "wf", "OidcConfig": oidc})
    assert message.startswith(
        "1 validation error detected: Value at 'oidcConfig.clientSecret' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [ -~]+"
    )
    assert "sécret" not in message


def test_wrong_json_types_are_violations():
    message = message_of("ListWorkteams", {"MaxResults": "ten", "SortBy": 3})
    assert message == (
        "2 validation errors detected: "
        "Value '3' at 'sortBy' failed to satisfy constraint: Member must be of type string; "
        "Value 'ten' at 'maxResults' failed to satisfy constraint: Member must be of type "
        "integer"
    )


def test_java_surrogate_pairs_in_patterns_mean_supplementary_code_points():
    # A model pattern writes U+10000..U+10FFFF as the UTF-16 pair \uD800\uDC00-\uDBFF\uDFFF.
    pattern = compiled_pattern("[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\t]*")
    assert pattern.fullmatch("emoji \U0001f600 ok")
    assert not pattern.fullmatch("bell \x07")


def test_every_pattern_of_the_installed_model_compiles():
    from emulator.validation import service_model

    model = service_model()
    patterns = {model.shape_for(name).metadata.get("pattern") for name in model.shape_names} - {
        None
    }
    assert len(patterns) > 100
    for pattern in patterns:
        compiled_pattern(pattern)


def test_dot_in_a_pattern_matches_no_java_line_terminator():
    pattern = compiled_pattern("[.]x.+")
    assert pattern.fullmatch(".xé and more")
    assert not pattern.fullmatch(".xa\rb")
    assert not pattern.fullmatch("axab")
