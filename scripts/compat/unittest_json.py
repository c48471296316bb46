"""Runs one of an SDK's unittest files unchanged, as `python3 FILE -v` would, and writes each
test's outcome as JSON for `npm run compat`.

    python3 unittest_json.py TEST_FILE REPORT_JSON [SKIPS_JSON]

SKIPS_JSON maps test method names to the reason they are not run here (a prebuilt library
or a service this machine lacks); they are reported as skipped with that reason.
"""
import importlib.util
import json
import os
import sys
import unittest


class Recording(unittest.TextTestResult):
    """A verbose text result that also keeps every outcome."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcomes = []

    def _keep(self, test, outcome, message=''):
        # a setUpClass failure or skip arrives as an _ErrorHolder named after the class
        name = test.id() if hasattr(test, 'id') else str(test)
        if name.startswith(MODULE + '.'):
            name = name[len(MODULE) + 1:]
        self.outcomes.append({'name': name, 'outcome': outcome, 'message': message})

    def addSuccess(self, test):
        super().addSuccess(test)
        self._keep(test, 'passed')

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._keep(test, 'failed', last_line(err))

    def addError(self, test, err):
        super().addError(test, err)
        self._keep(test, 'failed', last_line(err))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._keep(test, 'skipped', reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._keep(test, 'passed', 'expected failure')

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._keep(test, 'failed', 'unexpected success')


def last_line(err):
    """The exception's own line ("Type: message"), which a traceback ends with."""
    etype, value, _ = err
    text = str(value).strip().splitlines()
    return etype.__name__ + (': ' + text[0] if text else '')


MODULE = 'sdk_test_module'


def main():
    path, report = sys.argv[1], sys.argv[2]
    skips = json.loads(open(sys.argv[3]).read()) if len(sys.argv) > 3 else {}
    # as `python3 test/x_test.py` would: the test's folder first on the path
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    spec = importlib.util.spec_from_file_location(MODULE, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[MODULE] = module
    spec.loader.exec_module(module)
    for obj in list(vars(module).values()):
        if isinstance(obj, type) and issubclass(obj, unittest.TestCase):
            for method, reason in skips.items():
                if method in vars(obj):
                    setattr(obj, method, unittest.skip(reason)(vars(obj)[method]))
    suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    result = unittest.TextTestRunner(stream=sys.stderr, verbosity=2, resultclass=Recording).run(suite)
    with open(report, 'w') as f:
        json.dump(result.outcomes, f)
    return 0 if result.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main())
