// API client of the example chat frontend, in the shape the runbook shows.
// `hf-rag-space` points `this.baseUrl` at the Space: see components/frontend.py.

export interface ChatResponse {
  answer: string;
  sources?: string[];
  session_id?: string;
}

export interface HealthResponse {
  status: string;
  version?: string;
  services?: Record<string, unknown>;
}

export class ChatApiClient {
  private baseUrl: string;

  constructor() {
    this.baseUrl = 'http://localhost:8000';
  }

  get url(): string {
    return this.baseUrl;
  }

  async sendMessage(message: string, sessionId?: string): Promise<ChatResponse> {
    const response = await fetch(`${this.baseUrl}/api/chat`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ message, session_id: sessionId }),
    });
    if (!response.ok) {
      throw new Error(`chat failed: HTTP ${response.status}`);
    }
    return (await response.json()) as ChatResponse;
  }

  async health(): Promise<HealthResponse> {
    const response = await fetch(`${this.baseUrl}/api/health`);
    if (!response.ok) {
      throw new Error(`health check failed: HTTP ${response.status}`);
    }
    return (await response.json()) as HealthResponse;
  }
}

export const chatApi = new ChatApiClient();
