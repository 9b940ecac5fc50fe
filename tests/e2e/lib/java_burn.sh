# Sourced by the Java layer test and bench/runtime_peers.sh: a Java 17 function for `lambdascope local`, with
# a Runtime API loop written with java.net.http only (AWS's Java runtime interface client is not reachable
# here). Handler.handleRequest(fn, ms) burns CPU in Handler.burn_r00 .. burn_r09 (named after the event's "fn",
# each with its own loop); Warmup's static initialiser burns CPU in Warmup.computeTables at init.
# Usage: make_java_burn_function DIR [work]   (compiles the classes into DIR/fn; sources in DIR/src)
# By default each burn runs for `ms` milliseconds of wall time; with `work`, it does a fixed amount of work
# (about `ms` milliseconds on an idle core here), so that a slower run takes longer (the benchmark).
make_java_burn_function() {
  local tmp=$1 start='long end = System.nanoTime() + ms * 1_000_000L; double x = 0;'
  local loop='while (System.nanoTime() < end) for (int k = 0; k < 1000; k++) x = Math.sqrt(x + k);'
  if [ "${2:-}" = work ]; then
    start='double x = 0;'
    loop="for (long n = ms * ${LS_JAVA_ITERATIONS_PER_MS:-150}L; n > 0; n--) for (int k = 0; k < 1000; k++) x = Math.sqrt(x + k);"
  fi
  mkdir -p "$tmp/src" "$tmp/fn"
  {
    echo 'public class Handler {'
    for i in $(seq 0 9); do
      printf '  static double burn_r%02d(long ms) {\n' "$i"
      echo "    $start"
      echo "    $loop"
      echo '    return x;'
      echo '  }'
    done
    echo '  static double handleRequest(String fn, long ms) {'
    echo '    switch (fn) {'
    for i in $(seq 0 9); do printf '      case "burn_r%02d": return burn_r%02d(ms);\n' "$i" "$i"; done
    echo '      default: throw new IllegalArgumentException("no method named " + fn);'
    echo '    }'
    echo '  }'
    echo '}'
  } >"$tmp/src/Handler.java"
  cat >"$tmp/src/Warmup.java" <<'JAVA'
// A class whose static initialiser burns CPU (tables a function builds once per sandbox, at init).
public class Warmup {
  static final double TABLE = computeTables();
  static double computeTables() {
    double x = 0;
    for (int r = 0; r < 40; r++) for (int k = 0; k < 1_000_000; k++) x = Math.sqrt(x + k);
    return x;
  }
}
JAVA
  cat >"$tmp/src/Bootstrap.java" <<'JAVA'
// The Runtime API loop (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html) with java.net.http.
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class Bootstrap {
  public static void main(String[] args) throws Exception {
    String base = "http://" + System.getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/invocation/";
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    double table = Warmup.TABLE;
    Pattern fn = Pattern.compile("\"fn\"\\s*:\\s*\"([^\"]*)\"");
    Pattern ms = Pattern.compile("\"ms\"\\s*:\\s*(\\d+)");
    long pid = ProcessHandle.current().pid();
    for (;;) {
      HttpResponse<String> next = client.send(HttpRequest.newBuilder(URI.create(base + "next")).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      String id = next.headers().firstValue("Lambda-Runtime-Aws-Request-Id").orElseThrow();
      Matcher f = fn.matcher(next.body());
      Matcher m = ms.matcher(next.body());
      String name = f.find() ? f.group(1) : "";
      long millis = m.find() ? Long.parseLong(m.group(1)) : 200;
      double x = Handler.handleRequest(name, millis) + table * 0;
      String body = "{\"fn\":\"" + name + "\",\"pid\":" + pid + ",\"x\":" + (x > 0 ? 1 : 0) + "}";
      client.send(HttpRequest.newBuilder(URI.create(base + id + "/response"))
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding());
    }
  }
}
JAVA
  javac -J-XX:-UsePerfData -d "$tmp/fn" "$tmp/src"/*.java
}
