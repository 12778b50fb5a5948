"""The search index: handbook chunks, embeddings, a FAISS dense index and BM25 lexical indexes."""
