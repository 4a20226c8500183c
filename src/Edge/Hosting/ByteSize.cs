using System.ComponentModel;
using System.Globalization;

namespace EdgeCache.Edge.Hosting;

/// <summary>
/// A size in bytes written the way operators write it: <c>256MB</c>, <c>1.5GiB</c>, <c>64k</c>,
/// <c>1048576</c>. Units are binary (1 KB = 1024 bytes), as in nginx and Varnish.
/// </summary>
[TypeConverter(typeof(ByteSizeConverter))]
public readonly record struct ByteSize(long Bytes)
{
    /// <summary>Parses a size; throws <see cref="FormatException"/> with a message a person can act on.</summary>
    public static ByteSize Parse(string text)
    {
        if (TryParse(text, out var size))
        {
            return size;
        }

        throw new FormatException($"'{text}' is not a size; use a number with an optional unit such as 512KB, 256MB or 2GB.");
    }

    /// <summary>Parses a size, returning false for anything that is not one.</summary>
    public static bool TryParse(string? text, out ByteSize size)
    {
        size = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var span = text.AsSpan().Trim();
        var unitStart = span.Length;
        while (unitStart > 0 && char.IsAsciiLetter(span[unitStart - 1]))
        {
            unitStart--;
        }

        var numberText = span[..unitStart].Trim();
        if (numberText.IsEmpty)
        {
            return false;
        }

        long multiplier;
        switch (span[unitStart..].ToString().ToUpperInvariant())
        {
            case "":
            case "B":
                multiplier = 1;
                break;
            case "K":
            case "KB":
            case "KIB":
                multiplier = 1L << 10;
                break;
            case "M":
            case "MB":
            case "MIB":
                multiplier = 1L << 20;
                break;
            case "G":
            case "GB":
            case "GIB":
                multiplier = 1L << 30;
                break;
            case "T":
            case "TB":
            case "TIB":
                multiplier = 1L << 40;
                break;
            default:
                return false;
        }

        // Whole numbers stay exact up to long.MaxValue; fractions ("1.5GB") go through double.
        if (long.TryParse(numberText, NumberStyles.None, CultureInfo.InvariantCulture, out var whole))
        {
            if (whole > long.MaxValue / multiplier)
            {
                return false;
            }

            size = new ByteSize(whole * multiplier);
            return true;
        }

        if (!double.TryParse(numberText, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        var bytes = number * multiplier;
        // (double)long.MaxValue rounds up to 2^63, which does not fit.
        if (bytes >= 9223372036854775808.0)
        {
            return false;
        }

        size = new ByteSize((long)bytes);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => Bytes switch
    {
        >= 1L << 30 when Bytes % (1L << 30) == 0 => $"{Bytes >> 30}GB",
        >= 1L << 20 when Bytes % (1L << 20) == 0 => $"{Bytes >> 20}MB",
        >= 1L << 10 when Bytes % (1L << 10) == 0 => $"{Bytes >> 10}KB",
        _ => Bytes.ToString(CultureInfo.InvariantCulture) + "B",
    };
}

/// <summary>Lets configuration binding read <see cref="ByteSize"/> values such as "256MB".</summary>
internal sealed class ByteSizeConverter : TypeConverter
{
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType)
        => sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value)
        => value is string text ? ByteSize.Parse(text) : base.ConvertFrom(context, culture, value);
}
