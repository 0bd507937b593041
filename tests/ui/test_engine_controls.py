"""The engine controls start from EngineOptions' defaults and report every edit."""

from colorizer_app.ui.engine_controls import EngineControls, EngineOptions


def test_region_consistency_starts_on_and_a_toggle_is_reported(qtbot):
    controls = EngineControls()
    qtbot.addWidget(controls)
    assert controls.options() == EngineOptions() and controls.options().region_consistency
    with qtbot.waitSignal(controls.changed) as signal:
        controls.consistency.setChecked(False)
    assert signal.args[0].region_consistency is False
