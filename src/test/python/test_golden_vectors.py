"""The shared golden vectors: the runtime decodes every .bin to its .json, the test encoder reproduces the
request bytes from the JSON, and the adapter still writes the recorded response bytes."""

import json
import marshal
import os
import unittest

import golden_vectors
from front_end import encode_environ

from jwsgi.channel import parse_frames


def load(name):
    base = os.path.join(golden_vectors.DIRECTORY, name)
    with open(base + '.bin', 'rb') as f:
        data = f.read()
    with open(base + '.json', encoding='utf-8') as f:
        expectation = json.load(f)
    return data, expectation


def names():
    return sorted(n[:-4] for n in os.listdir(golden_vectors.DIRECTORY) if n.endswith('.bin'))


class GoldenVectorsTest(unittest.TestCase):

    def test_every_vector_has_its_json_and_the_set_is_complete(self):
        expected = set(golden_vectors.REQUESTS) | set(golden_vectors.RESPONSES) | set(golden_vectors.OTHERS)
        self.assertEqual(set(names()), expected)
        for name in names():
            self.assertTrue(os.path.exists(os.path.join(golden_vectors.DIRECTORY, name + '.json')), name)

    def test_runtime_decodes_every_vector_to_its_json(self):
        for name in names():
            data, expectation = load(name)
            with self.subTest(name=name):
                decoded = golden_vectors.describe_frames(parse_frames(data))
                self.assertEqual(decoded, expectation['frames'])
                for f, want in zip(decoded, expectation['frames']):
                    if f['type'] == 'Q':
                        self.assertEqual(list(f['environ']), list(want['environ']), 'key order')

    def test_encoder_reproduces_the_bytes_from_the_json(self):
        for name in names():
            data, expectation = load(name)
            with self.subTest(name=name):
                self.assertEqual(golden_vectors.encode_frames(expectation['frames']), data)

    def test_environ_encoding_uses_only_the_documented_codes(self):
        data, expectation = load('request-latin1')
        environ = expectation['frames'][0]['environ']
        payload = parse_frames(data)[0][1]
        self.assertEqual(marshal.loads(payload), environ)
        self.assertIn(b'z\x09PATH_INFOu\x08\x00\x00\x00/caf\xc3\x83\xc2\xa9', payload)
        self.assertIn(b'z\x0bHTTP_COOKIEa\x2c\x01\x00\x00session=', payload)
        self.assertEqual(encode_environ({'k': 'v' * 255})[4:6], b'z\xff')
        self.assertEqual(encode_environ({'k': 'v' * 256})[4:9], b'a\x00\x01\x00\x00')

    def test_adapter_still_writes_the_recorded_responses(self):
        for name, (_, app, environ) in golden_vectors.RESPONSES.items():
            data, _ = load(name)
            with self.subTest(name=name):
                self.assertEqual(golden_vectors.worker_bytes(app, environ), data)


if __name__ == '__main__':
    unittest.main()
