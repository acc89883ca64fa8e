// client/src/session.jsx
//
// Sending the user to the login page when the session ends, and telling an ended session
// apart from other errors in components. Uses React Router 6.4 or later.
import { useEffect, useState } from "react";
import { Navigate, Outlet, useLoaderData, useLocation, useNavigate, useRouteError } from "react-router-dom";
import { isRefreshFailedError, isSessionExpiredError } from "axios-refresh-interceptor";
import { createTask, setSessionExpiredHandler } from "./utilities";

// Pages a logged-out visitor may be on: the session ending there is no reason to move.
const PUBLIC_PATHS = new Set(["/login", "/signup"]);

// 1. Redirect on session expiry. Render it once, inside the router. onSessionExpired runs
//    once per ended session, however many requests were waiting, so this navigates once.
export function SessionExpiredRedirect({ setUser }) {
  const navigate = useNavigate();
  const { pathname } = useLocation();

  useEffect(
    () =>
      setSessionExpiredHandler(() => {
        setUser(null);
        if (!PUBLIC_PATHS.has(pathname)) {
          navigate("/login", { replace: true, state: { from: pathname } });
        }
      }),
    [navigate, pathname, setUser],
  );
  return null;
}

// The app shell, as in the tutorial: the user comes from a loader that calls
// userConfirmation(), and is handed to the pages through the outlet context.
export default function App() {
  const [user, setUser] = useState(useLoaderData());
  return (
    <>
      <SessionExpiredRedirect setUser={setUser} />
      <Outlet context={{ user, setUser }} />
    </>
  );
}

// 2. A route errorElement: a loader or action that lets a SessionExpiredError through lands
//    here, and is sent to log in instead of being shown an error page.
//
//    createBrowserRouter([{ path: "/", element: <App />, errorElement: <RouteError />, ... }])
export function RouteError() {
  const error = useRouteError();
  if (isSessionExpiredError(error)) {
    return <Navigate to="/login" replace />;
  }
  if (isRefreshFailedError(error)) {
    return (
      <p>
        Could not reach the server.{" "}
        <button onClick={() => window.location.reload()}>Try again</button>
      </p>
    );
  }
  return <p>Something went wrong.</p>;
}

// 3. In a component: createTask() lets errors through. An ended session needs no message (the
//    redirect is under way); a failed refresh is a connection problem, and the user is still
//    logged in.
export function NewTaskForm({ onCreated }) {
  const [title, setTitle] = useState("");
  const [message, setMessage] = useState("");

  const handleSubmit = async (event) => {
    event.preventDefault();
    try {
      const task = await createTask(title);
      if (task) onCreated(task);
      setTitle("");
      setMessage("");
    } catch (error) {
      if (isSessionExpiredError(error)) return;
      setMessage(
        isRefreshFailedError(error)
          ? "Could not reach the server. The task was not saved; try again."
          : "Could not save the task.",
      );
    }
  };

  return (
    <form onSubmit={handleSubmit}>
      <input value={title} onChange={(event) => setTitle(event.target.value)} />
      <button type="submit">Add</button>
      {message && <p role="alert">{message}</p>}
    </form>
  );
}

// Without user state to clear, the handler can be simpler: with createBrowserRouter, call
// router.navigate("/login") from onSessionExpired in utilities.jsx directly.
