"""The load bench's arithmetic (bench/load.py): the steady state starts when the last
simulated user has signed in, its percentiles are nearest-rank, and the CPU is cut at the
same instants as the requests. No timings of the app here."""

from __future__ import annotations

from bench import load


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]  # 1 … 100
    assert load.percentile(values, 50) == 50
    assert load.percentile(values, 95) == 95
    assert load.percentile(values, 99) == 99
    assert load.percentile([7.0], 95) == 7
    assert load.percentile([1.0, 2.0, 3.0], 50) == 2
    assert load.percentile([], 95) == 0


def test_the_steady_state_leaves_out_the_sign_in_ramp_and_cuts_the_cpu_at_its_bounds():
    # Two users sign in (the second one's sign-in ends at t = 12 s); a slow page during the
    # ramp must not count, the pages after it must.
    records = [
        [10.0, "GET", "login form", 50.0, False],
        [10.1, "POST", "login", 900.0, False],
        [11.0, "GET", "household page", 5000.0, False],  # during the ramp
        [11.5, "POST", "login", 500.0, False],  # ends at 12.0
        [12.0, "GET", "household page", 100.0, False],
        [13.0, "GET", "household page", 300.0, True],
        [14.0, "POST", "case step", 200.0, False],
        [15.0, "POST", "something", 100.0, False],
        [21.9, "GET", "dashboard", 100.0, False],  # ends at 22.0
    ]
    # time, server CPU s, PostgreSQL CPU s, load generator CPU s
    timeline = [(10.0, 0.0, 0.0, 0.0), (12.0, 4.0, 1.0, 0.2), (22.0, 6.0, 1.5, 0.4)]
    st = load.steady_state(records, timeline)

    assert st["seconds"] == 10.0
    assert st["stats"]["household page"]["requests"] == 2
    assert st["stats"]["household page"]["failures"] == 1
    assert st["stats"]["household page"]["p95"] == 300
    assert "login" not in st["stats"]
    assert st["stats"]["case step"]["requests"] == 1
    assert st["stats"]["something (POST)"]["requests"] == 1
    agg = st["stats"]["Aggregated"]
    assert agg["requests"] == 5
    assert agg["rps"] == 0.5
    # 2 s of server CPU, 0.5 s of PostgreSQL and 0.2 s of the generator over 5 requests
    assert abs(st["server_cpu_ms_per_request"] - 400.0) < 1e-6
    assert abs(st["db_cpu_ms_per_request"] - 100.0) < 1e-6
    assert abs(st["locust_cpu_ms_per_request"] - 40.0) < 1e-6
    assert abs(st["cores_busy"] - 0.27) < 1e-9


def test_the_cpu_between_two_samples_is_interpolated():
    timeline = [(0.0, 0.0, 0.0, 0.0), (2.0, 10.0, 2.0, 1.0)]
    assert load.at(timeline, 1.0, 1) == 5.0
    assert load.at(timeline, 1.5, 2) == 1.5
    assert load.at(timeline, 5.0, 1) == 10.0  # after the last sample: the last value


def test_the_warm_up_moves_the_start_of_the_steady_state_and_windows_give_each_p95():
    records = [
        [0.0, "POST", "login", 1000.0, False],  # the last sign-in ends at 1 s
        [2.0, "GET", "household page", 4000.0, False],  # the cold start
        [12.0, "GET", "household page", 100.0, False],
        [13.0, "GET", "household page", 200.0, False],
    ]
    timeline = [(0.0, 0.0, 0.0, 0.0), (20.0, 2.0, 0.0, 0.0)]
    cold = load.steady_state(records, timeline, warmup=0)
    warm = load.steady_state(records, timeline, warmup=10)
    assert cold["stats"]["household page"]["requests"] == 3
    assert cold["stats"]["household page"]["p99"] == 4000
    assert warm["stats"]["household page"]["requests"] == 2
    assert warm["stats"]["household page"]["p99"] == 200
    assert warm["warmup"] == 10
    assert load.windows(records) == [(0, 1, 4000.0), (10, 2, 200.0)]
