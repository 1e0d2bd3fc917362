"""Speech in and out: codecs, voice activity, turn segmentation, recognition, synthesis.

Importing the package loads no model and no heavy dependency; models load on first use of
`Recognizer.load`, `Synthesizer.load` and `vad.load_silero`, once per process.
"""
