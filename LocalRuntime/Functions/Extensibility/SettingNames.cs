using System.Text;
using Microsoft.Extensions.Configuration;

namespace LocalRuntime.Functions.Extensibility;

/// <summary>Resolves <c>%name%</c> app-setting references in binding properties, as the WebJobs name resolver does (shared by the trigger extensions).</summary>
public static class SettingNames
{
    /// <summary>The value with every <c>%name%</c> replaced by its setting; throws naming a setting that is missing.</summary>
    public static string Resolve(IConfiguration configuration, string value, string what)
    {
        if (!value.Contains('%', StringComparison.Ordinal))
        {
            return value;
        }

        var result = new StringBuilder(value.Length);
        var i = 0;
        while (i < value.Length)
        {
            var start = value.IndexOf('%', i);
            if (start < 0)
            {
                result.Append(value, i, value.Length - i);
                break;
            }

            var end = value.IndexOf('%', start + 1);
            if (end < 0)
            {
                throw new InvalidOperationException($"{what}: '{value}' has an unterminated %setting% reference.");
            }

            result.Append(value, i, start - i);
            var name = value[(start + 1)..end];
            result.Append(configuration[name] ?? throw new InvalidOperationException($"{what}: the app setting '{name}' (referenced as %{name}%) is not set."));
            i = end + 1;
        }

        return result.ToString();
    }
}
