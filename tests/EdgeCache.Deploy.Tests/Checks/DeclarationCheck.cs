using System.Text.Json;
using EdgeCache.Deploy.Tests.Terraform;

namespace EdgeCache.Deploy.Tests.Checks;

/// <summary>
/// Every variable has a type and a description, every output a description (and a value), every validation block a
/// condition and an error message, and no directory declares a variable or output twice.
/// </summary>
internal static class DeclarationCheck
{
    public static IReadOnlyList<string> Run(TerraformTree tree)
    {
        var failures = new List<string>();
        foreach (var directory in tree.Directories)
        {
            foreach (var variable in directory.Variables)
            {
                var where = $"{variable.File.Path}: variable \"{variable.Name}\"";
                if (!variable.Has("type"))
                {
                    failures.Add($"{where} has no type");
                }

                if (variable.Text("description") is null)
                {
                    failures.Add($"{where} has no description");
                }

                failures.AddRange(Validations(variable).Select(problem => $"{where}: {problem}"));
            }

            foreach (var output in directory.Outputs)
            {
                var where = $"{output.File.Path}: output \"{output.Name}\"";
                if (output.Text("description") is null)
                {
                    failures.Add($"{where} has no description");
                }

                if (!output.Has("value"))
                {
                    failures.Add($"{where} has no value");
                }
            }

            failures.AddRange(Twice(directory, "variable", directory.Variables));
            failures.AddRange(Twice(directory, "output", directory.Outputs));
        }

        return failures;
    }

    private static IEnumerable<string> Validations(TerraformBlock variable)
    {
        if (!variable.Body.TryGetProperty("validation", out var validations))
        {
            yield break;
        }

        var blocks = validations.ValueKind == JsonValueKind.Array ? validations.EnumerateArray().ToList() : [validations];
        foreach (var (validation, number) in blocks.Select((validation, index) => (validation, index + 1)))
        {
            var block = new TerraformBlock($"validation {number}", variable.File, validation);
            if (!block.Has("condition"))
            {
                yield return $"validation {number} has no condition";
            }

            if (block.Text("error_message") is null)
            {
                yield return $"validation {number} has no error_message";
            }

            foreach (var other in validation.EnumerateObject().Select(argument => argument.Name).Where(name => name is not ("condition" or "error_message")))
            {
                yield return $"validation {number} has \"{other}\", which a validation block does not take";
            }
        }
    }

    private static IEnumerable<string> Twice(TerraformDirectory directory, string kind, IReadOnlyList<TerraformBlock> blocks)
        => blocks
            .GroupBy(block => block.Name, StringComparer.Ordinal)
            .Where(named => named.Count() > 1)
            .Select(named => $"{directory.Path}: {kind} \"{named.Key}\" is declared {named.Count()} times ({string.Join(", ", named.Select(block => block.File.Path))})");
}
