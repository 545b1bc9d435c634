# The README's "30 seconds" block is what the demo prints on this kernel.
. "$(dirname "$0")/lib.sh"
plan 2
check "demo/policy_loaded" policy_loaded
readme=/bpfseal/readme-30-seconds.txt
out=$(sh "$(dirname "$0")/demo.sh" 2>&1)
if d=$(printf '%s\n' "$out" | diff -u "$readme" - 2>&1); then
	pass "demo/readme_30_seconds_is_the_real_session"
else
	fail "demo/readme_30_seconds_is_the_real_session" "the demo's output differs from README.md ('## 30 seconds'):"
	printf '%s\n' "$d" | sed 's/^/  [diff] /'
fi
end
