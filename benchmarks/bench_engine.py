"""Engine speed on a 60-month case with 10 cost and 6 benefit lines (issue 2 targets)."""

from __future__ import annotations

import time
import tracemalloc

from cases import large_case_document
from timing import median_seconds, report

from cxroi.engine import analyse, load_case
from cxroi.engine.analysis import monte_carlo, tornado
from cxroi.engine.pricing import cashflow_of, metrics_of, price, values_for
from cxroi.engine.timeline import Timeline


def main() -> None:
    case = load_case(large_case_document())
    tl = Timeline.of(case.horizon_months, case.discount_rate)

    def one_evaluation() -> None:
        """Price every line and compute both metric sets and the cash flow."""
        priced = price(case, tl, values_for(case), detail=True)
        metrics_of(priced.costs[0], priced.benefits[0], tl)
        metrics_of(priced.costs_unadjusted[0], priced.benefits_unadjusted[0], tl)
        cashflow_of(priced.costs[0], priced.benefits[0], tl)

    evaluation = median_seconds(one_evaluation, repeat=200)
    report("one evaluation (16 lines, 60 months)", evaluation, 0.001)
    report("tornado (12 assumptions)", median_seconds(lambda: tornado(case, tl), 50), 0.030)
    mc10k = median_seconds(lambda: monte_carlo(case, tl, trials=10_000), repeat=9)
    report("Monte Carlo 10,000 trials", mc10k, 0.150)

    tracemalloc.start()
    start = time.perf_counter()
    monte_carlo(case, tl, trials=100_000)
    mc100k = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    mc100k = min(mc100k, median_seconds(lambda: monte_carlo(case, tl, trials=100_000), 3, 0))
    report("Monte Carlo 100,000 trials", mc100k, 1.5)
    print(
        f"{'Monte Carlo 100,000 trials peak memory':48} {peak / 2**20:10.1f} MB  (target < 500 MB)"
    )
    per_trial = mc10k / 10_000
    print(
        f"{'MC time per trial / one evaluation':48} {per_trial / evaluation:10.4f}  "
        f"({per_trial * 1e6:.2f} us per trial vs {evaluation * 1e6:.0f} us per evaluation)"
    )
    report("full analyse() incl. 10,000-trial MC", median_seconds(lambda: analyse(case), 5))


if __name__ == "__main__":
    main()
