"""Inbound-text understanding on the labelled corpus: accuracy, false opt-outs, time, latency.

    .venv/bin/python bench/bench_intents.py --opt-out-threshold 0.9 --review-threshold 0.3
Trains on the corpus's train split and reads its test split through the whole pipeline
(normalisation, keyword rules, classifier), then the benign texts that contain stop-like
words, then the callback times; latency is one text at a time on one thread.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import percentiles  # noqa: E402
from domain.conversations.model import Classification, Intent, Source  # noqa: E402
from domain.conversations.normalise import normalise  # noqa: E402
from infrastructure.intents.classifier import CORPUS, TrainedClassifier, read_replies  # noqa: E402
from infrastructure.intents.times import parse_callback_time  # noqa: E402
from service_layer.understanding import Understanding  # noqa: E402


def opted_out(reading: Classification, threshold: float) -> bool:
    """What the SMS path treats as an opt-out: a keyword rule, or a sure classifier."""
    if reading.source is Source.KEYWORD:
        return reading.intent is Intent.OPT_OUT
    return reading.intent is Intent.OPT_OUT and reading.opt_out >= threshold


def bench_test_split(understanding: Understanding, corpus: Path, threshold: float,
                     review: float) -> None:
    from sklearn.metrics import classification_report

    test = read_replies(corpus / "replies.csv", "test")
    readings = [understanding.read(e.text) for e in test]
    print(f"test split ({len(test)} texts), whole pipeline, top intent:")
    print(classification_report([e.intent.value for e in test],
                                [r.intent.value for r in readings], digits=3, zero_division=0))
    actual = [e.intent is Intent.OPT_OUT for e in test]
    for label, said in ((f"opted out (keyword or P >= {threshold})",
                         [opted_out(r, threshold) for r in readings]),
                        (f"opted out or reviewed (P >= {review})",
                         [opted_out(r, threshold) or r.opt_out >= review for r in readings])):
        hits = sum(a and s for a, s in zip(actual, said, strict=True))
        print(f"OPT_OUT {label}: recall {hits / max(1, sum(actual)):.3f} "
              f"precision {hits / max(1, sum(said)):.3f}")


def bench_benign(understanding: Understanding, corpus: Path, threshold: float,
                 review: float) -> None:
    with (corpus / "benign_stop.csv").open(newline="", encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    readings = [(text, understanding.read(text)) for text in texts]
    keyword = [t for t, r in readings if r.source is Source.KEYWORD and r.intent is Intent.OPT_OUT]
    false = [t for t, r in readings if opted_out(r, threshold)]
    reviewed = [t for t, r in readings if r.opt_out >= review]
    print(f"benign stop-like texts: {len(texts)}; keyword opt-outs {len(keyword)}; "
          f"opt-outs (P >= {threshold}) {len(false)}; to review (P >= {review}) "
          f"{len(reviewed)}")
    for text in false:
        print(f"  FALSE OPT-OUT: {text!r}")


def bench_times(corpus: Path) -> None:
    with (corpus / "callback_times.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    misses = []
    for row in rows:
        expected = datetime.fromisoformat(row["expected"]) if row["expected"] else None
        found = parse_callback_time(row["text"], datetime.fromisoformat(row["sent_at"]))
        # isoformat compares the offset too (and an hour the autumn change repeats).
        if (found and found.isoformat()) != (expected and expected.isoformat()):
            misses.append((row, found))
    print(f"callback times: {len(rows) - len(misses)}/{len(rows)} exact")
    for row, found in misses:
        print(f"  MISS {row['text']!r} sent {row['sent_at']}: expected {row['expected']}, "
              f"got {found.isoformat() if found else None}")


def bench_latency(classifier: TrainedClassifier, corpus: Path) -> None:
    texts = [normalise(e.text) for e in read_replies(corpus / "replies.csv", "test")]
    samples = []
    for _ in range(5):
        for text in texts:
            started = time.perf_counter()
            classifier.classify(text)
            samples.append(time.perf_counter() - started)
    print(f"classification latency (one text, one thread): {percentiles(samples)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--opt-out-threshold", type=float, default=0.9)
    parser.add_argument("--review-threshold", type=float, default=0.3)
    args = parser.parse_args()
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        import sklearn.linear_model  # noqa: F401  (the import is not training time)

        started = time.perf_counter()
        classifier = TrainedClassifier.from_corpus(args.corpus / "replies.csv")
        print(f"training: {time.perf_counter() - started:.3f} s "
              f"({len(read_replies(args.corpus / 'replies.csv'))} train texts)")
        understanding = Understanding(classifier)
        bench_test_split(understanding, args.corpus, args.opt_out_threshold,
                         args.review_threshold)
        bench_benign(understanding, args.corpus, args.opt_out_threshold, args.review_threshold)
        bench_times(args.corpus)
        bench_latency(classifier, args.corpus)


if __name__ == "__main__":
    main()
