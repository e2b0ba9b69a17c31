"""Tier schemes (presets, user-defined, validation) and the downgrade countdown through worked timelines."""

import datetime as dt
import json

import pytest

from gis.errors import UserError
from gis.glossary import Missing, RoundResult
from gis.symbology import TIER_COLOURS
from gis.zoning.countdown import ScreeningRound, countdown
from gis.zoning.schemes import PRESETS, TierScheme, user_scheme

NOV = {day: dt.date(2026, 11, day) for day in range(1, 31)}
NOV.update({32: dt.date(2026, 12, 2)})
NEG, POS = RoundResult.NEGATIVE, RoundResult.POSITIVE


def rounds(*items):
    return [ScreeningRound(NOV[day], result) for day, result in items]


def clock(scheme_key, tier, on, *, case=1, started=1, test_rounds=(), downgraded_on=None, contact=None):
    """The countdown of a zone started on Nov ``started`` with its last case on Nov ``case`` (None: no case)."""
    return countdown(PRESETS[scheme_key].tier(tier), started_at=f"2026-11-{started:02d}T08:00:00", on=NOV[on],
                     last_case_at=None if case is None else f"2026-11-{case:02d}T20:00:00",
                     test_rounds=list(test_rounds), downgraded_on=downgraded_on and NOV[downgraded_on],
                     last_contact_at=contact and NOV[contact])


# -- presets ---------------------------------------------------------------------------------------------------


def test_ninth_edition_preset_has_the_three_named_tiers_in_order_with_the_shared_colours():
    scheme = PRESETS["2022_9th"]
    assert scheme.keys == ["sealed", "controlled", "precaution"]
    assert [t.zh for t in scheme.tiers] == ["封控区", "管控区", "防范区"]
    assert [t.colour for t in scheme.tiers] == [TIER_COLOURS[k] for k in scheme.keys]
    assert [t.downgrade_to for t in scheme.tiers] == ["controlled", "precaution", None]


def test_other_presets_name_their_tiers_in_chinese():
    assert [t.zh for t in PRESETS["risk_levels"].tiers] == ["高风险区", "中风险区", "低风险区"]
    assert [t.zh for t in PRESETS["2022_nov"].tiers] == ["高风险区", "低风险区"]


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_every_preset_survives_a_trip_through_json(key):
    stored = json.loads(json.dumps(PRESETS[key].to_dict(), ensure_ascii=False))
    assert TierScheme.from_dict(stored) == PRESETS[key]


def test_rank_puts_the_top_tier_first_and_unknown_tiers_get_a_clear_error():
    scheme = PRESETS["2022_9th"]
    assert scheme.rank("sealed") < scheme.rank("controlled") < scheme.rank("precaution")
    with pytest.raises(UserError, match="没有等级“high”"):
        scheme.rank("high")


# -- user-defined schemes --------------------------------------------------------------------------------------


def test_user_scheme_changes_names_colours_and_days_and_the_countdown_follows():
    mine = user_scheme(PRESETS["2022_9th"], zh="本县方案", tiers={
        "sealed": {"zh": "一级管控区", "colour": "#aa0000", "quiet_days": 10, "needs_test_round": False}})
    sealed = mine.tier("sealed")
    assert (sealed.zh, sealed.colour, sealed.quiet_days) == ("一级管控区", "#aa0000", 10)
    assert mine.tier("controlled") == PRESETS["2022_9th"].tier("controlled")
    result = countdown(sealed, started_at="2026-11-01", last_case_at="2026-11-01", on=NOV[11])
    assert (result.projected_downgrade, result.ready) == (NOV[11], True)
    assert TierScheme.from_dict(mine.to_dict()) == mine


@pytest.mark.parametrize("changes, message", [
    ({"sealed": {"colour": "red"}}, "颜色“red”无效"),
    ({"sealed": {"quiet_days": 0}}, "至少为 1 天"),
    ({"sealed": {"quiet_days": -3}}, "天数须为 0 到"),
    ({"sealed": {"quiet_days": "7"}}, "天数须为 0 到"),
    ({"sealed": {"round_window_days": 7}}, "时间窗须短于无新增天数"),
    ({"sealed": {"zh": " "}}, "缺少中文名称"),
    ({"sealed": {"zh": "管控区"}}, "不能重复"),
    ({"sealed": {"downgrade_to": "precaution"}}, "不能修改这些字段"),
    ({"unknown": {"zh": "x"}}, "没有等级“unknown”"),
])
def test_user_scheme_refuses_bad_edits_with_a_chinese_message(changes, message):
    with pytest.raises(UserError, match=message):
        user_scheme(PRESETS["2022_9th"], zh="本县方案", tiers=changes)


def test_stored_scheme_that_steps_up_or_has_one_tier_is_refused():
    data = PRESETS["2022_9th"].to_dict()
    data["tiers"][1]["downgrade_to"] = "sealed"
    with pytest.raises(UserError, match="只能降为更低的等级"):
        TierScheme.from_dict(data)
    data = PRESETS["2022_nov"].to_dict()
    data["tiers"] = data["tiers"][:1]
    with pytest.raises(UserError, match="至少需要两个等级"):
        TierScheme.from_dict(data)
    with pytest.raises(UserError, match="不完整"):
        TierScheme.from_dict({"key": "x", "zh": "x"})


# -- countdowns: 9th edition -----------------------------------------------------------------------------------


def test_ninth_edition_sealed_zone_needs_seven_quiet_days_and_a_round_on_day_seven():
    early = clock("2022_9th", "sealed", 5)
    assert (early.days_since_last_case, early.projected_downgrade, early.next_tier) == (4, NOV[8], "controlled")
    assert not early.ready and early.missing == (Missing.QUIET_DAYS, Missing.TEST_ROUND)
    no_round = clock("2022_9th", "sealed", 8)
    assert not no_round.ready and no_round.missing == (Missing.TEST_ROUND,)
    day_six_round = clock("2022_9th", "sealed", 8, test_rounds=rounds((7, NEG)))
    assert not day_six_round.ready  # the round must be on day 7, not before
    ready = clock("2022_9th", "sealed", 8, test_rounds=rounds((7, NEG), (8, NEG)))
    assert ready.ready and ready.missing == ()
    later = clock("2022_9th", "sealed", 10, test_rounds=rounds((8, NEG)))
    assert later.ready  # once met, the condition holds until a new infection


def test_a_new_case_restarts_the_sealed_zones_clock():
    # Last case Nov 1, then a new one on Nov 6: day 7 moves from Nov 8 to Nov 13 and the Nov 8 round is void.
    restarted = clock("2022_9th", "sealed", 8, case=6, test_rounds=rounds((8, NEG)))
    assert (restarted.clock_from, restarted.days_since_last_case) == (NOV[6], 2)
    assert restarted.projected_downgrade == NOV[13] and not restarted.ready
    ready = clock("2022_9th", "sealed", 13, case=6, test_rounds=rounds((8, NEG), (13, NEG)))
    assert ready.ready


def test_a_positive_round_counts_as_a_new_infection():
    result = clock("2022_9th", "sealed", 9, test_rounds=rounds((5, POS), (8, NEG)))
    assert (result.clock_from, result.projected_downgrade, result.ready) == (NOV[5], NOV[12], False)


def test_ninth_edition_zone_downgraded_to_controlled_needs_three_more_quiet_days_and_no_round():
    # Sealed with its last case on Nov 6, stepped down on Nov 13: precaution from Nov 16.
    before = clock("2022_9th", "controlled", 15, case=6, downgraded_on=13)
    assert (before.projected_downgrade, before.next_tier, before.ready) == (NOV[16], "precaution", False)
    assert before.missing == (Missing.QUIET_DAYS,)
    assert clock("2022_9th", "controlled", 16, case=6, downgraded_on=13).ready
    # A new case in it on Nov 15 brings back the full controlled rule: 7 days and a round on day 7.
    relapse = clock("2022_9th", "controlled", 22, case=15, downgraded_on=13)
    assert (relapse.projected_downgrade, relapse.missing) == (NOV[22], (Missing.TEST_ROUND,))


def test_ninth_edition_controlled_zone_from_the_start_needs_seven_days_and_a_round():
    result = clock("2022_9th", "controlled", 8, case=None, test_rounds=rounds((8, NEG)))
    assert (result.days_since_last_case, result.projected_downgrade, result.ready) == (7, NOV[8], True)
    assert not clock("2022_9th", "controlled", 8, case=None).ready


def test_precaution_zones_have_no_countdown():
    result = clock("2022_9th", "precaution", 20)
    assert (result.next_tier, result.projected_downgrade, result.ready) == (None, None, False)
    assert result.days_since_last_case == 19


# -- countdowns: earlier practice and November 2022 ------------------------------------------------------------


def test_risk_levels_need_fourteen_days_past_contacts_and_a_round_within_two_days():
    # Last case Nov 1 (14 days: Nov 15); last close contact exposed Nov 3 (more than 14 days: Nov 18).
    waiting = clock("risk_levels", "high", 17, contact=3, test_rounds=rounds((15, NEG)))
    assert waiting.projected_downgrade == NOV[18]
    assert waiting.missing == (Missing.CONTACTS, Missing.TEST_ROUND)  # a Nov 15 round is 3 days before lifting
    ready = clock("risk_levels", "high", 18, contact=3, test_rounds=rounds((15, NEG), (16, NEG)))
    assert (ready.ready, ready.next_tier) == (True, "medium")
    without_contacts = clock("risk_levels", "high", 15, test_rounds=rounds((13, NEG)))
    assert (without_contacts.projected_downgrade, without_contacts.ready) == (NOV[15], True)


def test_risk_levels_medium_counts_fourteen_days_again_from_its_downgrade():
    result = clock("risk_levels", "medium", 30, contact=3, downgraded_on=18, test_rounds=rounds((16, NEG)))
    assert (result.projected_downgrade, result.next_tier) == (NOV[32], "low")
    assert result.missing == (Missing.QUIET_DAYS, Missing.TEST_ROUND)


def test_november_2022_high_risk_steps_down_after_five_quiet_days_restarted_by_a_new_case():
    assert clock("2022_nov", "high", 6).ready
    assert clock("2022_nov", "high", 6).next_tier == "low"
    restarted = clock("2022_nov", "high", 8, case=4)
    assert (restarted.projected_downgrade, restarted.ready) == (NOV[9], False)
    assert clock("2022_nov", "high", 9, case=4).ready
