"""How the robustness tests assert a scenario's outcome."""


def passed(outcome) -> bool:
    """For asserts: prints the problems when the scenario fell short."""
    for problem in outcome.problems:
        print(problem)
    return outcome.ok
