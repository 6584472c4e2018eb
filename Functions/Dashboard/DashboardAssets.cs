using System.Collections.Frozen;
using System.Security.Cryptography;

namespace ServerlessTasks.Functions.Dashboard;

/// <summary>
/// The dashboard's files (HTML, ES modules, CSS), embedded in the app's assembly under <c>Dashboard/</c>, so the page works
/// offline and ships with the one build Azure and our host run. Read once; each has a strong ETag of its content.
/// </summary>
public static class DashboardAssets
{
    private const string Prefix = "Dashboard/";

    private static readonly FrozenDictionary<string, DashboardAsset> Files = Load();

    /// <summary>The page itself.</summary>
    public static DashboardAsset Page => Files["index.html"];

    /// <summary>The asset named <paramref name="name"/> (a file name under <c>assets/</c>, no folders).</summary>
    public static bool TryGet(string name, out DashboardAsset asset)
    {
        asset = null!;
        return name is { Length: > 0 } && !string.Equals(name, "index.html", StringComparison.Ordinal) && Files.TryGetValue(name, out asset!);
    }

    private static FrozenDictionary<string, DashboardAsset> Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var files = new Dictionary<string, DashboardAsset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.ToArray();
            var name = resource[Prefix.Length..];
            files[name] = new DashboardAsset(name, bytes, ContentTypeOf(name), "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] + "\"");
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}

/// <summary>One dashboard file.</summary>
/// <param name="Name">Its file name.</param>
/// <param name="Content">Its bytes.</param>
/// <param name="ContentType">Its media type.</param>
/// <param name="ETag">A strong ETag of its content.</param>
public sealed record DashboardAsset(string Name, byte[] Content, string ContentType, string ETag);
