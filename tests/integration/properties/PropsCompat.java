// Loads two .properties files the way Kafka does (Properties.load on an
// InputStream, ISO-8859-1) and checks that every key of BASE, except those
// named in DERIVED_KEYS, has the same value in RENDERED. Prints each
// mismatch; exit 1 if any. Usage: java PropsCompat.java BASE RENDERED KEY...
import java.io.FileInputStream;
import java.io.InputStream;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;

public class PropsCompat {
  static Properties load(String path) throws Exception {
    Properties p = new Properties();
    try (InputStream in = new FileInputStream(path)) {
      p.load(in);
    }
    return p;
  }

  static String show(String s) {
    if (s == null) return "(missing)";
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c < 0x20 || c > 0x7e) b.append(String.format("\\u%04X", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  public static void main(String[] args) throws Exception {
    Properties base = load(args[0]);
    Properties rendered = load(args[1]);
    Set<String> derived = new HashSet<>(Arrays.asList(args).subList(2, args.length));
    int bad = 0;
    for (String key : base.stringPropertyNames()) {
      if (derived.contains(key)) continue;
      String want = base.getProperty(key), got = rendered.getProperty(key);
      if (!want.equals(got)) {
        System.out.println("MISMATCH key " + show(key) + ": base " + show(want)
            + ", rendered " + show(got));
        bad++;
      }
    }
    System.out.println(base.size() + " base keys, " + rendered.size()
        + " rendered keys, " + bad + " mismatches");
    System.exit(bad == 0 ? 0 : 1);
  }
}
