"""Reports on stored runs: HTML/Markdown/CSV/JUnit, model comparison with paired statistics, the CI gate
and publishing to the Hugging Face Hub."""
