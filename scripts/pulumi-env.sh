# Source me: puts this project's Pulumi toolchain on PATH and keeps Pulumi offline and local.
#   . scripts/pulumi-env.sh
# PULUMI_BACKEND_URL defaults to a file backend inside the checkout (.state/); Pulumi Cloud is never needed.
_hf_root=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)
_hf_v=$(sed -n 's/^pulumi==\([0-9.]*\).*/\1/p' "$_hf_root/requirements.txt")
export HF_RAG_PULUMI_PREFIX="${HF_RAG_CACHE:-$HOME/.cache/hf-rag-space}/pulumi-v$_hf_v"
export PATH="$HF_RAG_PULUMI_PREFIX/bin:$PATH"
export PULUMI_HOME="${PULUMI_HOME:-$HF_RAG_PULUMI_PREFIX/home}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$_hf_root/.state}"
mkdir -p "$_hf_root/.state"
unset _hf_root _hf_v
