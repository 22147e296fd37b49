// Example page: shows which backend the client picked and asks it for /api/health.
import { chatApi } from './services/api';

function show(id: string, text: string): void {
  const element = document.getElementById(id);
  if (element) {
    element.textContent = text;
  }
}

async function main(): Promise<void> {
  show('base-url', chatApi.url);
  const status = document.getElementById('health');
  try {
    const health = await chatApi.health();
    show('health', health.status);
  } catch (error) {
    show('health', `unreachable (${error instanceof Error ? error.message : String(error)})`);
  } finally {
    status?.setAttribute('data-done', 'true');
  }
}

void main();
