"""The performance harness of issue 7: `salpim bench` (bench/run.py) drives Salpim and reference
bots through a real webhook with a separate load-generator process (bench/loadgen.py)."""
