"""Entry points: each surface parses at its edge, calls the core and renders the Reply."""
