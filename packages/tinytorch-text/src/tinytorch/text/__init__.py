"""tinytorch.text: from characters to a GPT that writes Shakespeare.

Read in this order: `tokenizers.py` (text <-> ids), `embedding.py` (ids -> vectors),
`gpt.py` (the model; its blocks are `tinytorch.nn.TransformerBlock`), `generation.py`
(sampling, the KV cache and the context window), `datasets.py` (Tiny Shakespeare as
training windows) and `plugin.py` (how configs find the dataset and the model).
"""

from tinytorch.text.datasets import ConsecutiveWindows, RandomWindows, shakespeare_text, tinyshakespeare
from tinytorch.text.embedding import Embedding, PositionalEmbedding, SinusoidalPositionalEncoding
from tinytorch.text.generation import generate, generate_text
from tinytorch.text.gpt import GPT
from tinytorch.text.tokenizers import BPETokenizer, CharTokenizer, TokenizerFileError, load_tokenizer

__all__ = [
    "BPETokenizer", "CharTokenizer", "ConsecutiveWindows", "Embedding", "GPT",
    "PositionalEmbedding", "RandomWindows", "SinusoidalPositionalEncoding",
    "TokenizerFileError", "generate", "generate_text", "load_tokenizer", "shakespeare_text",
    "tinyshakespeare",
]
