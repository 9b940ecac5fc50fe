#!/usr/bin/env bash
# A Java 17 program under `record --java` (the agent as a JVMTI agent, AsyncGetCallTrace in the handler): its
# main thread burns CPU in two named methods two calls below main. Most of the main thread's samples must end
# in a named Java method, each hot method under Main.work under Main.main, and the profile's comments count
# the Java samples. The work is a fixed amount (not a fixed time) so a busy machine only makes it slower.
set -euo pipefail
bin=${LS_BINARY:?run through ctest}
command -v javac >/dev/null || { echo "javac is not installed (scripts/setup.sh installs openjdk-17-jdk-headless)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/Main.java" <<'JAVA'
public class Main {
  static volatile long sink;
  static long burnAlpha(long n) {
    long s = 0;
    for (long i = 0; i < n; i++) s += i * 31 ^ (s >>> 3);
    return s;
  }
  static long burnBeta(long n) {
    long s = 1;
    for (long i = 0; i < n; i++) s = s * 17 + (i ^ (s >>> 7));
    return s;
  }
  static void work(int rounds) {
    for (int r = 0; r < rounds; r++) {
      sink += burnAlpha(2_000_000);
      sink += burnBeta(2_000_000);
    }
  }
  public static void main(String[] args) {
    work(Integer.parseInt(args[0]));
    System.out.println("done");
  }
}
JAVA
javac -J-XX:-UsePerfData -d "$tmp/classes" "$tmp/Main.java"
out=$("$bin" record --java --hz 499 -o "$tmp/out.folded" -- java -XX:-UsePerfData -cp "$tmp/classes" Main 400 \
  2> "$tmp/err") || { cat "$tmp/err"; exit 1; }
[ "$out" = "done" ] || { echo "program output changed: $out"; cat "$tmp/err"; exit 1; }
grep -q "java: [0-9]* samples with Java frames" "$tmp/err" || { echo "no Java counters in the comments"; cat "$tmp/err"; exit 1; }
awk -v err="$tmp/err" '
  { w = $NF; stack = $0; sub(/ [0-9]+$/, "", stack); n = split(stack, f, ";"); leaf = f[n] }
  stack ~ /;Main\.main(;|$)/ {
    main += w
    # A Java name: dotted identifiers (native symbols have no dots outside brackets and parentheses).
    if (leaf ~ /^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z0-9_$<>]+)+$/) named += w
    if (stack ~ /;Main\.main;Main\.work;Main\.burnAlpha$/) alpha += w
    if (stack ~ /;Main\.main;Main\.work;Main\.burnBeta$/) beta += w
  }
  END {
    if (main == 0) { print "no samples under Main.main"; system("cat " err); exit 1 }
    printf "main thread: %.1f%% end in a named Java method; burnAlpha %.0f%%, burnBeta %.0f%%\n", 100 * named / main, 100 * alpha / main, 100 * beta / main
    if (named / main < 0.9) { print "fewer than 90% of the samples end in a named Java method"; exit 1 }
    if (alpha / main < 0.2 || beta / main < 0.2) { print "the hot methods are missing under Main.main;Main.work"; exit 1 }
  }' "$tmp/out.folded"
echo ok
