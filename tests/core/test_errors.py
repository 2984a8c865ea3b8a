"""The one error model: every refusal of the pure rules is a ``CRMServiceError``
carrying a ``CRMErrorCode`` member (never a string), under its area's class."""

import ast
import pathlib

import pytest

import saleor_crm_plugin
from saleor_crm_plugin.domain.config import ConfigError, parse_config
from saleor_crm_plugin.domain.coupons import CouponRuleError, parse_trigger
from saleor_crm_plugin.domain.errors import CRMErrorCode, CRMServiceError
from saleor_crm_plugin.domain.rfm import RfmError, validate_thresholds
from saleor_crm_plugin.domain.segments import RuleError, normalize, preset_rule
from saleor_crm_plugin.domain.tiers import TierError, Window, WindowKind

ERROR_CLASSES = ["CRMServiceError", "ConfigError", "CouponRuleError"]
ERROR_CLASSES += ["LoyaltyError", "RfmError", "RuleError", "TierError"]


@pytest.mark.parametrize(
    "cls", [ConfigError, CouponRuleError, RfmError, RuleError, TierError]
)
def test_every_domain_error_is_the_one_service_error(cls):
    assert issubclass(cls, CRMServiceError)
    assert issubclass(cls, ValueError)  # callers catching ValueError still do


def test_a_code_is_a_member_never_a_string():
    with pytest.raises(TypeError):
        CRMServiceError("name", "Give a name.", "REQUIRED")
    with pytest.raises(TypeError):
        CouponRuleError("name", "Give a name.", "REQUIRED")
    exc = CRMServiceError("name", "Give a name.", CRMErrorCode.REQUIRED)
    assert (exc.field, exc.code, str(exc)) == (
        "name",
        CRMErrorCode.REQUIRED,
        "Give a name.",
    )
    assert CRMServiceError("x", "Bad.").code is CRMErrorCode.INVALID


def _raised(call, *args):
    with pytest.raises(CRMServiceError) as info:
        call(*args)
    return info.value


@pytest.mark.parametrize(
    "call, args, cls, field, code",
    [
        (parse_trigger, ("nope", {}), CouponRuleError, "trigger", "INVALID"),
        (
            parse_trigger,
            ("segment_entry", {}),
            CouponRuleError,
            "segment_id",
            "REQUIRED",
        ),
        (
            normalize,
            ({"and": [{"field": "orders_count", "op": "gte", "value": 1}] * 61},),
            RuleError,
            "rule",
            "TOO_COMPLEX",
        ),
        (validate_thresholds, ("frequency", [1, 2]), RfmError, "frequency", "INVALID"),
        (
            Window,
            (WindowKind.ROLLING_MONTHS, 12, "Nowhere/City"),
            TierError,
            "time_zone",
            "INVALID",
        ),
        (parse_config, ({"batch_size": "x"},), ConfigError, "batch_size", "INVALID"),
    ],
)
def test_domain_refusals_carry_enum_members(call, args, cls, field, code):
    exc = _raised(call, *args)
    assert type(exc) is cls
    assert isinstance(exc.code, CRMErrorCode)
    assert (exc.field, exc.code) == (field, CRMErrorCode[code])


def test_a_rule_error_names_the_input_its_path_lies_in():
    exc = _raised(normalize, {"field": "password", "op": "eq", "value": "x"})
    assert (exc.path, exc.field) == ("field", "rule")
    exc = _raised(preset_rule, "no-such-preset", {})
    assert (exc.path, exc.field) == ("preset", "preset")
    exc = _raised(preset_rule, "first_time_buyers", {"nope": 1})
    assert (exc.path, exc.field) == ("preset_params", "preset_params")


def test_no_raise_in_the_plugin_passes_a_code_as_a_string():
    """Static: no call of an error class gets a string where the code goes (the
    third argument or ``code=``) — the runtime TypeError would only show the
    typo when that refusal happens."""
    root = pathlib.Path(saleor_crm_plugin.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name not in ERROR_CLASSES:
                continue
            code_args = node.args[2:3] + [
                k.value for k in node.keywords if k.arg == "code"
            ]
            if any(
                isinstance(a, ast.Constant) and isinstance(a.value, str)
                for a in code_args
            ):
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == []
