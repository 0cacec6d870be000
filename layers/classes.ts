/** The layer classes, exported so that users can subclass them or test `instanceof`. */
