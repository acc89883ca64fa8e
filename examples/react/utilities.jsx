// client/src/utilities.jsx
//
// The tutorial's utilities.jsx with axios-refresh-interceptor in place of the hand-written
// `_retry` interceptor. The utility functions keep their names, arguments and return values,
// so components that use them do not change. What is different is marked with "Changed".
import axios from "axios";
import { createRefreshInterceptor, isSessionExpiredError } from "axios-refresh-interceptor";

export const api = axios.create({
  baseURL: "https://deployment-demo.com/api/v1/",
  withCredentials: true,
});

// What to do when the session is over. The React app registers it (see session.jsx), because
// only the app knows how to navigate and how to clear its user state.
let sessionExpiredHandler = () => {};

// Returns a function that unregisters the handler, for a useEffect cleanup.
export const setSessionExpiredHandler = (handler) => {
  sessionExpiredHandler = handler;
  return () => {
    if (sessionExpiredHandler === handler) sessionExpiredHandler = () => {};
  };
};

// Changed: replaces refreshAccessToken() and the api.interceptors.response.use(...) block.
createRefreshInterceptor(api, {
  // `client` is a copy of `api` (same baseURL, withCredentials) without its interceptors,
  // so a failing refresh cannot loop. The server sets the new cookies; nothing to store here.
  refresh: ({ client, signal }) => client.post("users/refresh/", {}, { signal }),
  // Called once when the server rejects the refresh: the refresh cookie expired or was
  // blacklisted. Not called for a network error or a 5xx: those do not log the user out.
  onSessionExpired: (error) => sessionExpiredHandler(error),
});

// Changed: a 401 from log-in or sign-up means wrong credentials, not an expired token.
const noRefresh = { skipAuthRefresh: true };

// Changed: an ended session is expected, and the app is already on its way to the login
// page, so it is not logged as an error.
const logUnexpected = (error) => {
  if (!isSessionExpiredError(error)) console.error(error);
};

// These four let errors reach the component, as before. A component tells an ended session
// apart with isSessionExpiredError(error) (see session.jsx).
export const deleteATask = async (id) => {
  let response = await api.delete(`tasks/${id}/`);
  if (response.status === 200) {
    return response.data;
  }
  return null;
};

export const putTask = async (id, title, dueDate) => {
  let response = await api.put(`tasks/${id}/`, { title: title, due_date: dueDate || null });
  if (response.status === 200) {
    return response.data;
  }
  console.error(response.data);
  return null;
};

export const getAllTasks = async () => {
  try {
    let response = await api.get("tasks/");
    if (response.status === 200) {
      return response.data;
    }
  } catch (error) {
    logUnexpected(error);
    return [];
  }
};

export const createTask = async (title, dueDate) => {
  let response = await api.post("tasks/", { title: title, due_date: dueDate || null });
  if (response.status === 201) {
    return response.data;
  }
  console.error(response.data);
  return null;
};

// Log-out keeps the refresh: with an expired access cookie it refreshes first and still reaches
// the server, which blacklists the refresh token. If the session has already ended, there is
// nothing left to log out of.
export const logoutUser = async () => {
  try {
    let response = await api.post("users/logout/");
    if (response.status === 200) {
      return null;
    }
  } catch (error) {
    if (isSessionExpiredError(error)) return null; // Changed
    throw error;
  }
  alert("Something went wrong");
  return null;
};

// For a visitor who never logged in, this 401 starts a refresh that the server rejects, so
// onSessionExpired runs: session.jsx does not redirect from public pages.
export const userConfirmation = async () => {
  try {
    let response = await api.get("users/");
    if (response.status === 200) {
      let user = response.data.email;
      return user;
    }
    console.error(response.data);
    return null;
  } catch (error) {
    logUnexpected(error);
    return null;
  }
};

export const handleUserAuth = async (data, create) => {
  try {
    let response = await api.post(`users/${create ? "create" : "login"}/`, data, noRefresh);
    if (response.status === 201 || response.status === 200) {
      return response.data.email;
    }
    console.error(response.data);
    return null;
  } catch (error) {
    console.error(error);
    return null;
  }
};
