"""Engine speed on a 60-month case with 10 cost and 6 benefit lines (issue 2 targets)."""

from __future__ import annotations

import tracemalloc

from cases import large_case_document
from timing import median_wall_and_cpu, report

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

    evaluation, evaluation_cpu = median_wall_and_cpu(one_evaluation, repeat=200)
    report("one evaluation (16 lines, 60 months)", evaluation, 0.001, evaluation_cpu)
    wall, cpu = median_wall_and_cpu(lambda: tornado(case, tl), 50)
    report("tornado (12 assumptions)", wall, 0.030, cpu)
    mc10k, mc10k_cpu = median_wall_and_cpu(lambda: monte_carlo(case, tl, trials=10_000), 9)
    report("Monte Carlo 10,000 trials", mc10k, 0.150, mc10k_cpu)
    wall, cpu = median_wall_and_cpu(lambda: monte_carlo(case, tl, trials=100_000), 3)
    report("Monte Carlo 100,000 trials", wall, 1.5, cpu)

    tracemalloc.start()
    monte_carlo(case, tl, trials=100_000)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{'Monte Carlo 100,000 trials peak memory':40} {peak / 2**20:10.1f} MB  (target < 500 MB)"
    )
    ratio = (mc10k_cpu / 10_000) / evaluation_cpu
    print(
        f"{'MC per trial / one evaluation (cpu)':40} {ratio:10.4f}  "
        f"({mc10k_cpu / 10_000 * 1e6:.2f} us per trial vs {evaluation_cpu * 1e6:.0f} us"
        " per evaluation)"
    )
    wall, cpu = median_wall_and_cpu(lambda: analyse(case), 5)
    report("full analyse() incl. 10,000-trial MC", wall, None, cpu)


if __name__ == "__main__":
    main()
