"""The trainer the harness drives: data generation, cleaning, contamination checks, LoRA fine-tuning,
merge and GGUF export, and the evaluate-train-export loop (``python -m harness loop``).

Heavy dependencies (torch, transformers, trl, peft) are imported only by the modules that train or export,
so data generation and checks work with the base install.
"""
