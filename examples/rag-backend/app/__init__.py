"""RAG chatbot backend: FastAPI over Gemini (embeddings, answers), Qdrant (retrieval), Postgres (history)."""

__version__ = "1.0.0"
