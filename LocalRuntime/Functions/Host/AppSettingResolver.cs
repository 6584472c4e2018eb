using System.Text;
using Microsoft.Extensions.Configuration;

namespace LocalRuntime.Functions.Host;

/// <summary>Resolves <c>%AppSetting%</c> references in binding expressions (queue names, schedules) from configuration.</summary>
internal sealed class AppSettingResolver(IConfiguration configuration)
{
    /// <summary>The text with every <c>%Name%</c> replaced by the setting's value; a missing setting is an error at startup.</summary>
    public string Resolve(string text, string where)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Contains('%', StringComparison.Ordinal))
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        var index = 0;
        while (index < text.Length)
        {
            var open = text.IndexOf('%', index);
            if (open < 0)
            {
                result.Append(text, index, text.Length - index);
                break;
            }

            var close = text.IndexOf('%', open + 1);
            if (close < 0)
            {
                throw new InvalidOperationException($"{where}: '{text}' has an unclosed %AppSetting% reference.");
            }

            var name = text[(open + 1)..close];
            var value = configuration[name]
                ?? throw new InvalidOperationException($"{where}: the app setting '{name}' referenced by '{text}' is not configured.");
            result.Append(text, index, open - index).Append(value);
            index = close + 1;
        }

        return result.ToString();
    }
}
