"""Retrieve-then-generate: embed the question, search Qdrant, answer from the retrieved chunks."""

from __future__ import annotations

from app.core.config import Settings
from app.db import postgres, qdrant
from app.models.schemas import ChatResponse, Source
from app.services import embedding, llm

NO_CONTEXT_ANSWER = "I could not find anything about that in the documents."

PROMPT = """You answer questions using only the context below. If the context does not contain
the answer, say that you do not know. Cite sources as [1], [2], ...

Context:
{context}

Question: {question}
Answer:"""


def build_prompt(question: str, sources: list[Source]) -> str:
    """The generation prompt: numbered context chunks, then the question."""
    context = "\n\n".join(f"[{i}] {s.text}" for i, s in enumerate(sources, start=1))
    return PROMPT.format(context=context, question=question)


async def answer(settings: Settings, question: str, session_id: str, top_k: int) -> ChatResponse:
    """Answer ``question`` from the ``top_k`` most relevant chunks and record the exchange."""
    vector = await embedding.embed(settings, question)
    sources = [s for s in await qdrant.search(settings, vector, top_k) if s.text]
    text = await llm.generate(settings, build_prompt(question, sources)) if sources else NO_CONTEXT_ANSWER
    await postgres.save_exchange(settings, session_id, question, text)
    return ChatResponse(answer=text, sources=sources, session_id=session_id)
